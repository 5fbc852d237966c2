/** `vigil network analyze DIR`: output formats, exit codes, errors (one line, naming the file and rule). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'vigil.js');
const DATA = join(ROOT, 'src', 'detectors', 'network', 'testdata');
const vigil = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

test('--format json: {findings, notes} in Inspector\'s shape; exit 0, or --exit-code when there are findings', () => {
  const r = vigil('network', 'analyze', join(DATA, 'aws', 'mixed'), '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), ['findings', 'notes']);
  assert.equal(out.findings.length, 20);
  const f = out.findings.find((x: { resourceId: string; openPortRange: { begin: number } }) => x.resourceId === 'i-web' && x.openPortRange.begin === 80);
  assert.equal(f.type, 'NETWORK_REACHABILITY');
  assert.equal(f.protocol, 'tcp');
  assert.deepEqual(f.openPortRange, { begin: 80, end: 80 });
  assert.deepEqual(f.networkPath.steps[0], { componentId: 'igw-1', componentType: 'AWS::EC2::InternetGateway' });
  assert.equal(vigil('network', 'analyze', join(DATA, 'aws', 'mixed'), '--format', 'json', '--exit-code', '5').code, 5);
  assert.equal(vigil('--json', 'network', 'analyze', join(DATA, 'host', 'iptables-basic'), '--exit-code', '5').code, 5);
});

test('table: one line per finding with its path, then the notes', () => {
  const r = vigil('network', 'analyze', join(DATA, 'host', 'nft-inet-and-ip'), '--host', 'edge-1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^RESOURCE\s+FAMILY\s+PROTO\s+PORTS\s+FROM\s+PATH\n/);
  assert.match(r.stdout, /edge-1\s+ipv6\s+tcp\s+3061\s+::\/0\s+nftables → inet filter input handle 7 → tcp6 \[::\]:3061 → node/);
  assert.match(r.stdout, /\nNotes \(3\):\n {2}assumption: listening\.json/);
});

test('errors: exit 4 for a missing directory, 1 for a malformed file or an unknown format; one line naming the input', () => {
  const missing = vigil('network', 'analyze', join(DATA, 'nope'));
  assert.equal(missing.code, 4);
  assert.equal(missing.stderr, `vigil: network input ${join(DATA, 'nope')}: no such directory [VIGIL_NOT_FOUND]\n`);
  const bad = vigil('network', 'analyze', join(DATA, 'aws', 'bad-acl'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^vigil: describe-network-acls\.json: not the AWS CLI's output of describe-network-acls: NetworkAcls\[0\]\.Entries\[0\]\.Protocol: .* \[VIGIL_INVALID_INPUT\]\n$/);
  const fmt = vigil('network', 'analyze', join(DATA, 'aws', 'mixed'), '--format', 'xml');
  assert.equal(fmt.code, 1);
  assert.match(fmt.stderr, /--format "xml": must be one of table, json/);
  assert.equal(vigil('network', 'analyze', join(DATA, 'aws', 'mixed'), '--exit-code', 'x').code, 2);
});
