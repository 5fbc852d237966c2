import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// each case in a fresh process: whether pino was loaded is a property of the process
const run = (body: string): { out: string; err: string } => {
  const script = `import { createRequire } from 'node:module';
import { lazyLogger } from ${JSON.stringify(fileURLToPath(new URL('./log.ts', import.meta.url)))};
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => /[\\\\/]pino[\\\\/]/.test(k));
${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { out: r.stdout, err: r.stderr };
};

test('lazyLogger: messages below the level load no pino and print nothing; the first enabled one makes the real logger', () => {
  const { out, err } = run(`const l = lazyLogger('warn');
l.debug({ a: 1 }, 'hidden'); l.info('hidden'); l.trace('hidden');
console.log(JSON.stringify({ before: loaded(), level: l.level }));
l.error({ b: 2 }, 'shown');
console.log(JSON.stringify({ after: loaded(), level: l.level }));
const s = lazyLogger('silent'); s.fatal('never');`);
  const [a, b] = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(a, { before: false, level: 'warn' });
  assert.deepEqual(b, { after: true, level: 'warn' });
  // pino's line on stderr: the error only
  assert.deepEqual(err.trim().split('\n').map((l) => JSON.parse(l).msg), ['shown']);
});

test('lazyLogger: an unknown level is refused as createLogger refuses it', () => {
  const { out } = run(`try { lazyLogger('loud'); } catch (e) { console.log(e.code, e.rule); }`);
  assert.equal(out.trim(), 'VIGIL_CONFIG log-level');
});
