/**
 * No test output holds a planted secret: run the detector's other tests in a child process and
 * look for every generated secret (the generators are seeded, so they are drawn again here) in
 * what they print.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { buildCorpus, tokenGenerator } from './testutil.ts';

test('no planted secret in the output of the corpus, rules, fs and git tests', async () => {
  const here = new URL('.', import.meta.url).pathname;
  const files = ['corpus.test.ts', 'git.test.ts', 'fs.test.ts', 'rules.test.ts'].map((f) => here + f);
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  delete env.NODE_TEST_CONTEXT; // else the child's runner thinks it is nested and runs nothing
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { maxBuffer: 64 * 1024 * 1024, cwd: here, env }).catch((e) => e as { stdout: string; stderr: string });
  const out = stdout + stderr;
  assert.match(out, /recall \d+\/\d+, false positives \d+\/\d+/);
  const { secrets } = buildCorpus();
  const g = tokenGenerator(99); // git.test.ts draws these, in this order
  const gitSecrets = ['ghp', 'stripe-live', 'npm', 'slack-bot', 'pem-rsa', 'ghp'].map((k) => g.make(k));
  let checked = 0;
  for (const s of [...secrets, ...gitSecrets]) {
    for (const part of s.split(/\n|\\n/).filter((p) => p.length >= 16 && !p.startsWith('-----') && !/^[A-Za-z-]+: /.test(p))) {
      checked++;
      assert.ok(!out.includes(part), `a planted secret (${part.slice(0, 4)}…) is in the test output`);
    }
  }
  assert.ok(checked > 50);
});
