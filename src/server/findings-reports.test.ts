/**
 * Findings reports and SBOM exports written to an S3-compatible bucket and to a directory (issue
 * 19), on SQLite and PostgreSQL. The bucket is s3rver (npm: S3's REST API over HTTP, files on disk,
 * multipart uploads) behind a front that verifies SigV4 (s3rver itself checks only the access key
 * id of SigV4 requests), both on loopback; Vigil talks to
 * it with the AWS SDK v3 through the tenants' outgoing-request policy (127.0.0.0/8 allowed here).
 * What the SDK sends is recorded from the server's own request events (headers, SSE).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { unzipSync } from 'fflate';
import S3rver from 's3rver';
import { scanResultOf } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { createFindingsReport, Engine, s3ClientFor, writeObject, type S3Destination } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { recordScan } from '../findings/index.ts';
import { createSchemaValidators, describeSchemaErrors } from '../integrations/schemas/index.ts';
import { silentLogger } from '../log.ts';
import { TargetPolicy } from '../policy/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import * as repo from './tenancy/repo.ts';

const log = silentLogger();
const validators = createSchemaValidators();
const BUCKET = 'vigil-reports';

interface Seen { method: string; url: string; headers: IncomingHttpHeaders }

/**
 * SigV4 checked the way S3 checks it: the canonical request rebuilt from what arrived (method, path,
 * query, the signed headers, the declared payload hash) and signed with the secret, compared with
 * the request's signature. s3rver checks only the access key id of SigV4 requests (its v4
 * verification is unimplemented), so this front does it before handing the request over.
 */
async function sigV4Mismatch(req: IncomingMessage, secret: string): Promise<string | null> {
  const auth = String(req.headers.authorization ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'no SigV4 Authorization header';
  const [, accessKeyId, , region, signedList, given] = m;
  const url = new URL(req.url!, 'http://x');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? [...([] as string[]).concat(query[k]), v] : v;
  const signed = signedList.split(';');
  const headers: Record<string, string> = {};
  for (const h of signed) headers[h] = String(req.headers[h] ?? '');
  const amzDate = String(req.headers['x-amz-date']);
  const date = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: 's3', region, credentials: { accessKeyId, secretAccessKey: secret }, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false, applyChecksum: false });
  const [host, port] = headers.host.split(':');
  const out = await signer.sign({ method: req.method!, protocol: 'http:', hostname: host, port: port ? Number(port) : undefined, path: url.pathname, query, headers: { ...headers } } as never, { signingDate: date, signableHeaders: new Set(signed) });
  const expected = /Signature=([0-9a-f]{64})/.exec(String((out as { headers: Record<string, string> }).headers.authorization))?.[1];
  return expected === given ? null : `expected signature ${expected}`;
}

/** s3rver behind a SigV4-verifying front on a loopback port, with every request's method, URL and headers recorded. */
async function startS3(dir: string): Promise<{ endpoint: string; seen: Seen[]; rejected: string[]; close: () => Promise<void> }> {
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  await s3rver.run();
  const handler = s3rver.callback();
  const seen: Seen[] = [];
  const rejected: string[] = [];
  const front = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    sigV4Mismatch(req, 'S3RVER').then((why) => {
      if (!why) return handler(req, res);
      rejected.push(why);
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>');
    }, (e: Error) => res.writeHead(500).end(e.message));
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const port = (front.address() as AddressInfo).port;
  return { endpoint: `http://127.0.0.1:${port}`, seen, rejected, close: async () => { front.closeAllConnections(); await new Promise((r) => front.close(r)); await s3rver.close(); } };
}

for (const [dialect, make] of dialects) {
  describe(`findings reports and export destinations (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let refusing: VigilServer;
    let queue: JobQueue;
    let engine: Engine;
    let refusingEngine: Engine;
    let admin: string;
    let member: { id: string; key: string };
    let s3: Awaited<ReturnType<typeof startS3>>;
    let s3dir: string;
    let allowed: string;
    let resourceId: string;
    const clock = new Date('2026-12-06T12:00:00.000Z');
    const dest = (extra: Partial<S3Destination> = {}): S3Destination => ({
      kind: 's3', bucket: BUCKET, prefix: 'vigil/', region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true,
      accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', ...extra,
    });

    before(async () => {
      ts = await make();
      s3dir = mkdtempSync(join(tmpdir(), 'vigil-s3rver-'));
      allowed = mkdtempSync(join(tmpdir(), 'vigil-reports-'));
      s3 = await startS3(s3dir);
      const b = (await bootstrap(ts.store))!;
      admin = b.key;
      const m = await repo.createAccount(ts.store.db, b.organization.id, 'member');
      member = { id: m.id, key: (await repo.createApiKey(ts.store.db, m.id, 'analyst', 'analyst')).key };
      // 620 findings over two images: more than one 500-row page
      const pkgs = Array.from({ length: 310 }, (_, i) => ({ ecosystem: 'npm', name: `pkg-${i}`, version: '1.0.0', location: `/app/node_modules/pkg-${i}/package.json` }));
      const vulns = pkgs.map((_, i) => ({ pkg: i, id: `GHSA-rep-${i}`, severity: (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const)[i % 4], score: 9 - (i % 4) * 2, ...(i % 3 === 0 ? { fixed: '1.0.1' } : {}) }));
      resourceId = (await recordScan(ts.store, { accountId: b.delegatedAdmin.id, resource: { type: 'image', name: 'reg/app', digest: 'sha256:a1', tags: ['1'] }, result: scanResultOf(pkgs, vulns), now: clock })).resourceId;
      await recordScan(ts.store, { accountId: m.id, resource: { type: 'image', name: 'reg/member', digest: 'sha256:m1' }, result: scanResultOf(pkgs, vulns), now: clock });
      queue = await openQueue(ts.store, { log });
      engine = new Engine({ store: ts.store, queue, log, now: () => clock, policy: await TargetPolicy.forTenants({ allowPaths: [allowed], allowNetworks: ['127.0.0.0/8'] }) });
      app = await buildServer({ store: ts.store, log, config: { defaultMetrics: false }, engine });
      // the operator's default: public addresses only
      refusingEngine = new Engine({ store: ts.store, queue, log, now: () => clock, policy: await TargetPolicy.forTenants({ allowPaths: [allowed] }) });
      refusing = await buildServer({ store: ts.store, log, config: { defaultMetrics: false }, engine: refusingEngine });
    });
    after(async () => {
      await app?.close();
      await refusing?.close();
      await queue?.stop();
      await s3?.close();
      await ts?.cleanup();
      rmSync(s3dir, { recursive: true, force: true });
      rmSync(allowed, { recursive: true, force: true });
    });
    const call = (method: string, url: string, key: string, payload?: unknown, server = app) =>
      server.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    const reader = () => s3ClientFor(TargetPolicy.operator(), dest());
    const getObject = async (key: string): Promise<Buffer> => {
      const c = reader();
      try {
        const out = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } finally {
        c.destroy();
      }
    };
    /** asks for a report and runs its job here (the queue is not started) */
    const report = async (body: Record<string, unknown>, key = admin) => {
      const r = await call('POST', '/v1/findings-reports', key, body);
      assert.equal(r.statusCode, 202, r.body);
      assert.equal(r.json().status, 'QUEUED');
      await engine.findingsReportNow(r.json().id);
      const done = await call('GET', `/v1/findings-reports/${r.json().id}`, key);
      assert.equal(done.statusCode, 200);
      return done.json();
    };

    test('CSV and JSON reports in the bucket equal the API\'s export and list for the same filter; credentials never answered', async () => {
      const filter = { severity: 'CRITICAL,HIGH', fixAvailable: 'true' };
      const csv = await report({ filter, format: 'csv', destination: dest() });
      assert.equal(csv.status, 'SUCCEEDED', csv.error);
      assert.equal(csv.location, `s3://${BUCKET}/vigil/vigil-findings-report-${csv.id}.csv`);
      assert.equal(JSON.stringify(csv).includes('secretAccessKey'), false);
      assert.deepEqual(csv.destination, { kind: 's3', bucket: BUCKET, prefix: 'vigil/', region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, accessKeyId: 'S3RVER' });
      const api = await call('GET', '/v1/findings/export?format=csv&severity=CRITICAL,HIGH&fixAvailable=true', admin);
      const inBucket = (await getObject(`vigil/vigil-findings-report-${csv.id}.csv`)).toString('utf8');
      assert.equal(inBucket, api.body, 'the same bytes as GET /v1/findings/export');
      assert.equal(csv.findings, inBucket.trimEnd().split('\r\n').length - 1);
      assert.equal(csv.size, Buffer.byteLength(inBucket));
      assert.deepEqual(s3.rejected, [], 'every request of the SDK carried a valid SigV4 signature');

      const json = await report({ filter: { ...filter, severity: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] }, format: 'json', destination: dest() });
      assert.equal(json.status, 'SUCCEEDED', json.error);
      const items = JSON.parse((await getObject(`vigil/vigil-findings-report-${json.id}.json`)).toString('utf8')) as { id: string }[];
      // GET /v1/findings, every page
      const listed: { id: string }[] = [];
      let cursor: string | undefined;
      do {
        const page = (await call('GET', `/v1/findings?fixAvailable=true&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, admin)).json();
        listed.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.equal(items.length, 2 * 104, 'both accounts: 104 fixable findings each');
      assert.deepEqual(items, listed, 'the same findings, the same order, the same fields');
      assert.equal(json.findings, items.length);

      // the stored row keeps the secret sealed
      const row = await ts.store.db.selectFrom('findings_reports').select('destination').where('id', '=', json.id).executeTakeFirstOrThrow();
      assert.equal(row.destination!.includes('S3RVER"'), true, 'the access key id is plain');
      assert.equal(/"secretAccessKey"/.test(row.destination!), false);
      assert.match(row.destination!, /"\$sealed":"vgs1\./);
      // listed, in sight of the member only for the member's own account
      const list = (await call('GET', '/v1/findings-reports', admin)).json();
      assert.ok(list.items.some((x: { id: string }) => x.id === json.id));
      assert.equal(JSON.stringify(list).includes('secretAccessKey'), false);
      assert.equal((await call('GET', `/v1/findings-reports/${json.id}`, member.key)).statusCode, 404);
    });

    test('OCSF report: one Vulnerability Finding per line, each valid against the OCSF 1.8.0 schema; server-side encryption sent when configured', async () => {
      const before = s3.seen.length;
      const r = await report({ filter: { accountId: member.id, severity: 'CRITICAL' }, format: 'ocsf', destination: dest({ serverSideEncryption: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/test' }) });
      assert.equal(r.status, 'SUCCEEDED', r.error);
      assert.equal(r.accountId, member.id);
      const lines = (await getObject(`vigil/vigil-findings-report-${r.id}.ocsf.jsonl`)).toString('utf8').trimEnd().split('\n');
      assert.equal(lines.length, 78);
      const v = validators.ocsfVulnerabilityFinding();
      for (const l of lines) {
        const o = JSON.parse(l) as { class_uid: number; severity_id: number };
        assert.ok(v(o), describeSchemaErrors(v.errors));
        assert.equal(o.class_uid, 2002);
        assert.equal(o.severity_id, 5);
      }
      const put = s3.seen.slice(before).find((s) => s.method === 'PUT');
      assert.ok(put, 'a PutObject');
      assert.equal(put.headers['x-amz-server-side-encryption'], 'aws:kms');
      assert.equal(put.headers['x-amz-server-side-encryption-aws-kms-key-id'], 'arn:aws:kms:us-east-1:111122223333:key/test');
      assert.match(String(put.headers.authorization), /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=.*x-amz-server-side-encryption.*, Signature=[0-9a-f]{64}$/);
      const plain = await report({ filter: { severity: 'LOW' }, format: 'csv', destination: dest({ serverSideEncryption: 'AES256' }) });
      assert.equal(s3.seen.filter((s) => s.method === 'PUT').at(-1)!.headers['x-amz-server-side-encryption'], 'AES256');
      assert.equal(plain.status, 'SUCCEEDED');
      await report({ filter: { severity: 'LOW' }, format: 'csv', destination: dest() });
      assert.equal(s3.seen.filter((s) => s.method === 'PUT').at(-1)!.headers['x-amz-server-side-encryption'], undefined, 'none when not configured');
    });

    test('ASFF report: {"Findings": [...]}, each valid against the Security Hub finding schema, for the account and region asked; the same findings as the API lists', async () => {
      const aws = { accountId: '111122223333', region: 'eu-west-1' };
      const r = await report({ filter: { severity: 'CRITICAL' }, format: 'asff', aws, destination: dest() });
      assert.equal(r.status, 'SUCCEEDED', r.error);
      assert.deepEqual(r.aws, aws);
      assert.equal(r.location, `s3://${BUCKET}/vigil/vigil-findings-report-${r.id}.asff.json`);
      const doc = JSON.parse((await getObject(`vigil/vigil-findings-report-${r.id}.asff.json`)).toString('utf8')) as { Findings: Record<string, any>[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
      const v = validators.asffFinding();
      for (const f of doc.Findings) {
        assert.ok(v(f), describeSchemaErrors(v.errors));
        assert.equal(f.AwsAccountId, aws.accountId);
        assert.equal(f.ProductArn, `arn:aws:securityhub:eu-west-1:${aws.accountId}:product/${aws.accountId}/default`);
        assert.equal(f.Severity.Label, 'CRITICAL');
      }
      const listed = (await call('GET', '/v1/findings?severity=CRITICAL&limit=500', admin)).json().items as { id: string }[];
      assert.equal(doc.Findings.length, listed.length);
      assert.equal(r.findings, listed.length);
      assert.deepEqual(doc.Findings.map((f) => f.ProductFields['vigil/findingId']), listed.map((f) => f.id), 'the same findings in the same order');
      // kept for download, too
      const kept = await report({ filter: { severity: 'CRITICAL' }, format: 'asff', aws });
      const dl = await call('GET', kept.downloadUrl, admin);
      assert.match(dl.headers['content-type'] as string, /^application\/json/);
      assert.deepEqual(JSON.parse(dl.body).Findings.length, listed.length);
    });

    test('a large object goes as a multipart upload through the policy, and arrives whole', async () => {
      const before = s3.seen.length;
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      const body = (async function* () { for (let i = 0; i < 19; i++) yield Buffer.concat([Buffer.from(`part ${i}\n`), chunk]); })();
      const out = await writeObject(engine.policy, dest({ prefix: 'big/' }), 'big.bin', 'application/octet-stream', body);
      assert.equal(out.location, `s3://${BUCKET}/big/big.bin`);
      const got = await getObject('big/big.bin');
      assert.equal(got.length, out.size);
      assert.equal(got.subarray(0, 7).toString(), 'part 0\n');
      const seen = s3.seen.slice(before);
      assert.ok(seen.some((s) => s.method === 'POST' && /[?&]uploads(=|&|$)/.test(s.url)), 'CreateMultipartUpload');
      assert.equal(seen.filter((s) => s.method === 'PUT' && /partNumber=/.test(s.url)).length, 3, '8 MiB parts: 3 of them');
      assert.ok(seen.some((s) => s.method === 'POST' && /uploadId=/.test(s.url)), 'CompleteMultipartUpload');
      const c = reader();
      try {
        const listed = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'big/' }));
        assert.deepEqual(listed.Contents?.map((o) => o.Key), ['big/big.bin']);
      } finally {
        c.destroy();
      }
    });

    test('SBOM export to the bucket: one zip object; to a directory: the same zip as a file; no download for either', async () => {
      const r = await call('POST', '/v1/sbom-exports', admin, { format: 'cyclonedx', resourceIds: [resourceId], destination: dest({ prefix: 'sbom/' }) });
      assert.equal(r.statusCode, 202, r.body);
      assert.equal(JSON.stringify(r.json()).includes('secretAccessKey'), false);
      await engine.sbomExportNow(r.json().id);
      const done = (await call('GET', `/v1/sbom-exports/${r.json().id}`, admin)).json();
      assert.equal(done.status, 'SUCCEEDED', done.error);
      assert.equal(done.location, `s3://${BUCKET}/sbom/vigil-sbom-export-${done.id}.zip`);
      assert.equal(done.downloadUrl, undefined);
      const zip = unzipSync(new Uint8Array(await getObject(`sbom/vigil-sbom-export-${done.id}.zip`)));
      assert.deepEqual(Object.keys(zip), [`reg_app_${resourceId}.cdx.json`]);
      const bom = JSON.parse(Buffer.from(zip[`reg_app_${resourceId}.cdx.json`]).toString('utf8')) as { components: unknown[] };
      const v = validators.cyclonedx('1.6');
      assert.ok(v(bom), describeSchemaErrors(v.errors));
      assert.equal(bom.components.length, 310);
      assert.equal((await call('GET', `/v1/sbom-exports/${done.id}/download`, admin)).statusCode, 409);

      const sub = join(allowed, 'sbom');
      mkdirSync(sub);
      const d = await call('POST', '/v1/sbom-exports', admin, { format: 'spdx', resourceIds: [resourceId], destination: { kind: 'directory', path: sub } });
      assert.equal(d.statusCode, 202, d.body);
      await engine.sbomExportNow(d.json().id);
      const dd = (await call('GET', `/v1/sbom-exports/${d.json().id}`, admin)).json();
      assert.equal(dd.status, 'SUCCEEDED', dd.error);
      assert.equal(dd.location, join(sub, `vigil-sbom-export-${dd.id}.zip`));
      assert.deepEqual(Object.keys(unzipSync(new Uint8Array(readFileSync(dd.location)))), [`reg_app_${resourceId}.spdx.json`]);
    });

    test('a directory destination: written under --allow-path; outside it refused; without a destination, downloadable', async () => {
      const r = await report({ filter: { severity: 'CRITICAL' }, format: 'csv', destination: { kind: 'directory', path: allowed } });
      assert.equal(r.status, 'SUCCEEDED', r.error);
      assert.equal(r.location, join(allowed, `vigil-findings-report-${r.id}.csv`));
      assert.equal(readFileSync(r.location, 'utf8'), (await call('GET', '/v1/findings/export?format=csv&severity=CRITICAL', admin)).body);
      assert.equal((await call('GET', `/v1/findings-reports/${r.id}/download`, admin)).statusCode, 409);

      const outside = mkdtempSync(join(tmpdir(), 'vigil-outside-'));
      try {
        for (const path of [outside, join(allowed, '..', 'x'), 'relative/dir']) {
          const no = await call('POST', '/v1/findings-reports', admin, { format: 'csv', destination: { kind: 'directory', path } });
          assert.equal(no.statusCode, 403, `${path}: ${no.body}`);
          assert.match(no.json().error.message, /not allowed: (outside the directories the server's operator allows \(vigil server --allow-path\)|tenants' local paths must be absolute)/);
        }
        const sbom = await call('POST', '/v1/sbom-exports', admin, { format: 'spdx', resourceIds: [resourceId], destination: { kind: 'directory', path: outside } });
        assert.equal(sbom.statusCode, 403, sbom.body);
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }

      const kept = await report({ filter: { severity: 'CRITICAL' }, format: 'json' });
      assert.equal(kept.status, 'SUCCEEDED', kept.error);
      assert.equal(kept.downloadUrl, `/v1/findings-reports/${kept.id}/download`);
      const dl = await call('GET', kept.downloadUrl, admin);
      assert.equal(dl.statusCode, 200);
      assert.match(dl.headers['content-disposition'] as string, new RegExp(`vigil-findings-report-${kept.id}\\.json`));
      assert.equal(dl.body, (await call('GET', '/v1/findings/export?format=json&severity=CRITICAL', admin)).body);
    });

    test('a loopback endpoint without --allow-network: refused at the request (403), and by the job (FAILED, nothing contacted)', async () => {
      const no = await call('POST', '/v1/findings-reports', admin, { format: 'csv', destination: dest() }, refusing);
      assert.equal(no.statusCode, 403, no.body);
      assert.match(no.json().error.message, /destination\.endpoint http:\/\/127\.0\.0\.1:\d+: not allowed: a loopback address, which the server's operator does not allow \(vigil server --allow-network\)/);
      const sbom = await call('POST', '/v1/sbom-exports', admin, { format: 'spdx', resourceIds: [resourceId], destination: dest() }, refusing);
      assert.equal(sbom.statusCode, 403, sbom.body);

      // a report recorded before the operator narrowed the policy (or a name rebound to loopback)
      const before = s3.seen.length;
      const row = await createFindingsReport(ts.store, { accountId: member.id, format: 'csv', filter: { accountIds: [member.id], statuses: ['ACTIVE'] } as never, request: {}, destination: dest() }, clock);
      await refusingEngine.findingsReportNow(row.id);
      const failed = (await call('GET', `/v1/findings-reports/${row.id}`, admin)).json();
      assert.equal(failed.status, 'FAILED');
      assert.match(failed.error, /127\.0\.0\.1:\d+: not allowed: a loopback address/);
      assert.equal(s3.seen.length, before, 'the bucket was not contacted');
    });

    test('a wrong secret: the bucket refuses the signature, the report is FAILED with the bucket\'s words', async () => {
      const r = await report({ filter: { severity: 'LOW' }, format: 'csv', destination: dest({ secretAccessKey: 'not-the-secret' }) });
      assert.equal(r.status, 'FAILED');
      assert.match(r.error, new RegExp(`S3 bucket ${BUCKET} at http://127\\.0\\.0\\.1:\\d+: SignatureDoesNotMatch \\(HTTP 403\\)`));
      assert.equal(r.error.includes('not-the-secret'), false);
      assert.ok(s3.rejected.length > 0);
    });

    test('bad input: named and refused', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ format: 'xml' }, /format/],
        [{ format: 'csv', destination: { kind: 's3', bucket: 'A_B', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 'b' } }, /bucket/],
        [{ format: 'csv', destination: { ...dest(), endpoint: 'ftp://x' } }, /endpoint/],
        [{ format: 'csv', destination: { ...dest(), kmsKeyId: 'k' } }, /kmsKeyId is only used with serverSideEncryption/],
        [{ format: 'csv', filter: { kev: 'true', exploitAvailable: 'false' } }, /kev=true and exploitAvailable=false contradict/],
        [{ format: 'csv', filter: { bogus: 1 } }, /bogus/],
        [{ format: 'asff' }, /aws.*format asff needs aws\.accountId and aws\.region/],
        [{ format: 'asff', aws: { accountId: '1234', region: 'eu-west-1' } }, /accountId.*12 digits/],
        [{ format: 'csv', aws: { accountId: '111122223333', region: 'eu-west-1' } }, /aws is for format asff only/],
      ];
      for (const [body, re] of cases) {
        const r = await call('POST', '/v1/findings-reports', admin, body);
        assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
        assert.match(r.body, re);
      }
    });
  });
}
