/**
 * The prerequisite helper and the skip-listing reporter (test/helpers/prereq.ts,
 * test/helpers/skip-reporter.mjs): outside CI a missing prerequisite skips with its name and the
 * run lists every skipped suite and test before Node's totals; with CI=true it fails, naming it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/prereq.ts';

const FIXTURE = join(ROOT, 'test', 'testdata', 'skips.fixture.mjs');

/** The fixture through `npm test`'s runner options, with CI set or not. */
function runFixture(ci: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: ci ? 'true' : '' };
  delete env.NODE_TEST_CONTEXT; // a runner of its own, not a child of this one
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=./test/helpers/skip-reporter.mjs', '--test-reporter-destination=stdout', FIXTURE], { cwd: ROOT, env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('outside CI: skipped with the reason, listed once each, before the totals, and the run passes', () => {
  const { code, out } = runFixture(false);
  assert.equal(code, 0, out);
  const lines = out.split('\n');
  const listed = lines.filter((l) => l.startsWith('# SKIPPED '));
  assert.deepEqual(listed, [
    '# SKIPPED suite test/testdata/skips.fixture.mjs › a suite needing a thing: needs the thing: install the thing',
    '# SKIPPED test test/testdata/skips.fixture.mjs › a test needing another thing: needs another thing: install it',
  ]);
  assert.ok(lines.includes('# skipped suites 1, skipped tests 1'), out);
  // Node's own totals close the output, after the list
  const tail = lines.filter((l) => /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+$/.test(l)).map((l) => l.split(' ')[1]);
  assert.deepEqual(tail, ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms']);
  assert.ok(lines.findIndex((l) => l.startsWith('# skipped suites')) < lines.findIndex((l) => l.startsWith('# tests ')));
});

test('with CI=true: a missing prerequisite fails the run, naming it', () => {
  const { code, out } = runFixture(true);
  assert.notEqual(code, 0);
  assert.match(out, /missing prerequisite "the thing" \(install the thing\)/);
});
