// CommonJS Lambda handler.
const { exec } = require('child_process');
const https = require('https');

exports.handler = async (event, context) => {
  const records = event.Records;
  for (const record of records) {
    const key = record.s3.object.key;
    // ruleid: js/command-injection
    exec(`aws s3 cp s3://bucket/${key} /tmp/`);
  }
  // ruleid: js/ssrf
  https.get(event.callbackUrl, () => {});
  return { ok: true };
};

function processRecord(record) {
  const data = Buffer.from(record.kinesis.data, 'base64').toString();
  // ruleid: js/unsafe-deserialization
  return eval('(' + data + ')');
}

function countRecord(record) {
  // ok: js/code-injection
  return eval('1 + 1') + record.length;
}

exports.stream = async (event) => {
  return event.Records.map(processRecord).concat(event.Records.map(countRecord));
};
