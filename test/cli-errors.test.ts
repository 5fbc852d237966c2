/**
 * Issue 13: no stack trace reaches a user, and the documented exit codes hold (src/cli/exit.ts):
 * every input the CLI is told to read that does not exist exits 4 with one line on stderr.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeError, exitCodeOf, EXIT } from '../src/cli/exit.ts';
import { VigilError } from '../src/model/errors.ts';
import { makeZip } from './helpers/zip.ts';
import { makeTar } from '../src/sources/testutil.ts';
import { createHash } from 'node:crypto';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'vigil.js');

/** no "    at f (file:line)" frames */
const STACK = /^\s+at .+[:)]/m;

describe('CLI errors: one line, documented exit codes', () => {
  let dir = '';
  const vigil = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [BIN, '--home', join(dir, 'home'), ...args], {
      encoding: 'utf8', cwd: dir, env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_LOG_LEVEL: '', ...env },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cli-errors-'));
    writeFileSync(join(dir, 'fn.zip'), makeZip([{ name: 'requirements.txt', data: 'Django==2.2.0\n' }]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const missing = (p: string) => join(dir ?? '', p);
  for (const [what, args] of [
    ['scan sbom of a missing file', () => ['scan', 'sbom', missing('missing.json')]],
    ['scan zip of a missing file', () => ['scan', 'zip', missing('missing.zip')]],
    ['scan zip with a missing --layer', () => ['scan', 'zip', missing('fn.zip'), '--layer', missing('missing-layer.zip')]],
    ['scan image of a missing path', () => ['scan', 'image', './missing.tar']],
    ['scan image of a missing path with a tag', () => ['scan', 'image', `${missing('missing-layout')}:v1`]],
    ['scan fs of a missing directory', () => ['scan', 'fs', missing('missing-dir')]],
    ['scan fs with a missing --ignorefile', () => ['scan', 'fs', dir, '--ignorefile', missing('missing.yaml')]],
    ['sbom of a missing path', () => ['sbom', missing('missing-dir')]],
    ['db import of a missing directory', () => ['db', 'import', missing('missing-vulndata')]],
  ] as const) {
    test(`${what}: exit 4, one line naming the path`, () => {
      const a = args();
      const r = vigil([...a]);
      assert.equal(r.code, EXIT.NOT_FOUND, r.stderr);
      assert.doesNotMatch(r.stderr, STACK, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^vigil: .*(missing|no such).*\[VIGIL_NOT_FOUND\]$/);
    });
  }

  test('an unknown VIGIL_LOG_LEVEL: exit 2, one line naming the rule', () => {
    const r = vigil(['scan', 'sbom', missing('missing.json')], { VIGIL_LOG_LEVEL: 'chatty' });
    assert.equal(r.code, EXIT.USAGE, r.stderr);
    assert.match(r.stderr.trim(), /^vigil: log level "chatty" \(VIGIL_LOG_LEVEL\): must be one of .* \[VIGIL_CONFIG\]$/);
  });

  test('a docker archive whose large layer is not what its diff id names: exit 1, one line naming the rule', async () => {
    // 17 MiB: hashed on another thread while the scan reads the layer (sources/image/hash-thread.ts),
    // and checked before the scan's result is used (isolate-tasks.ts inventoryOf)
    const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    const layer = await makeTar([{ name: 'opt/big.bin', content: Buffer.alloc(17 * 1024 * 1024, 1) }, { name: 'etc/os-release', content: 'ID=debian\n' }]);
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] } });
    const tampered = Buffer.from(layer);
    tampered[4096] ^= 1;
    const cfgName = `${sha(config)}.json`;
    writeFileSync(join(dir, 'big.tar'), await makeTar([
      { name: 'l/layer.tar', content: tampered }, { name: cfgName, content: config },
      { name: 'manifest.json', content: JSON.stringify([{ Config: cfgName, RepoTags: ['t/big:1'], Layers: ['l/layer.tar'] }]) },
    ]));
    const r = vigil(['scan', 'image', join(dir, 'big.tar')]);
    assert.equal(r.code, EXIT.ERROR, r.stderr);
    assert.doesNotMatch(r.stderr, STACK);
    assert.match(r.stderr.trim(), /^vigil: layer 0: uncompressed digest is sha256:[0-9a-f]{64}, config diff_ids says sha256:[0-9a-f]{64} \[VIGIL_UNSAFE_ARCHIVE\]$/);
  });

  test('an SBOM that is a directory: exit 1, one line', () => {
    const r = vigil(['scan', 'sbom', dir]);
    assert.equal(r.code, EXIT.ERROR);
    assert.doesNotMatch(r.stderr, STACK);
    assert.match(r.stderr.trim(), /^vigil: SBOM .*: cannot be read \(a directory\) \[VIGIL_INVALID_INPUT\]$/);
  });
});

describe('describeError', () => {
  test('a VigilError: its message on one line and its code', () => {
    const e = new VigilError('VIGIL_INVALID_INPUT', 'bom.json: json:\nUnexpected token', { input: 'bom.json', rule: 'json' });
    assert.equal(describeError(e, false), 'vigil: bom.json: json: Unexpected token [VIGIL_INVALID_INPUT]\n');
    assert.equal(exitCodeOf(e), EXIT.ERROR);
    assert.equal(exitCodeOf(new VigilError('VIGIL_NOT_FOUND', 'x')), EXIT.NOT_FOUND);
  });
  test('an unexpected error: a message and a hint; the stack only when verbose', () => {
    const e = new TypeError("Cannot read properties of null (reading 'x')");
    const quiet = describeError(e, false);
    assert.equal(quiet, "vigil: unexpected error: TypeError: Cannot read properties of null (reading 'x') (run with -v for details)\n");
    assert.doesNotMatch(quiet, STACK);
    assert.match(describeError(e, true), STACK);
    assert.equal(describeError('a string', false), 'vigil: unexpected error: a string (run with -v for details)\n');
    assert.equal(exitCodeOf(e), EXIT.ERROR);
  });
});
