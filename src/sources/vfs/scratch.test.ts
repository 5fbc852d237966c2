import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanStaleScratch, makeScratchDir, redactScratch, Scratch } from './scratch.ts';

async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => c.once('exit', r));
  return c.pid!;
}

describe('scratch directories', () => {
  let parent: string;
  before(async () => { parent = await mkdtemp(join(tmpdir(), 'vigil-scratch-test-')); });
  after(async () => { await rm(parent, { recursive: true, force: true }); });

  test('a scratch directory carries its owner marker', async () => {
    const s = new Scratch(parent);
    const dir = await s.path();
    assert.match(dir, /vigil-scan-[A-Za-z0-9]{6}$/);
    assert.match(await readFile(join(dir, '.vigil-owner'), 'utf8'), new RegExp(`^${process.pid} \\d+ 0\\n$`), 'pid, start time, thread id (0: the main thread)');
    await s.dispose();
    assert.equal(existsSync(dir), false);
  });

  test('only stale directories of Vigil are removed: dead owner, or unmarked and older than a day', async () => {
    const dead = await deadPid();
    const mine = await makeScratchDir('fn', parent);
    const make = async (name: string, marker: string | null) => {
      await mkdir(join(parent, name));
      await writeFile(join(parent, name, 'code.zip'), 'tenant code');
      if (marker !== null) await writeFile(join(parent, name, '.vigil-owner'), marker);
      return join(parent, name);
    };
    const gone = await make('vigil-fn-aaaaaa', `${dead} 1\n`);
    const goneScan = await make('vigil-scan-bbbbbb', `${dead} 1\n`);
    const fresh = await make('vigil-fn-cccccc', null);
    const garbled = await make('vigil-fn-dddddd', 'not a pid');
    const other = await make('vigil-oci-eeeeee', `${dead} 1\n`);
    const removed = await cleanStaleScratch({ parent });
    assert.deepEqual(removed.sort(), [gone, goneScan].sort());
    for (const d of [mine, fresh, garbled, other]) assert.ok(existsSync(d), d);
    // a day later the unmarked ones are stale too; this process's own never are
    const later = await cleanStaleScratch({ parent, now: Date.now() + 2 * 86_400_000 });
    assert.deepEqual(later.sort(), [fresh, garbled].sort());
    assert.ok(existsSync(mine) && existsSync(other));
  });

  test('by pid: only that (dead) process\'s directories', async () => {
    const dead = await deadPid();
    const otherDead = await deadPid();
    await mkdir(join(parent, 'vigil-fn-ffffff'));
    await writeFile(join(parent, 'vigil-fn-ffffff', '.vigil-owner'), `${dead} 1\n`);
    await mkdir(join(parent, 'vigil-fn-gggggg'));
    await writeFile(join(parent, 'vigil-fn-gggggg', '.vigil-owner'), `${otherDead} 1\n`);
    assert.deepEqual(await cleanStaleScratch({ parent, pid: dead }), [join(parent, 'vigil-fn-ffffff')]);
    assert.ok(existsSync(join(parent, 'vigil-fn-gggggg')));
    assert.deepEqual(await cleanStaleScratch({ parent, pid: process.pid }), [], 'a live pid keeps its directories');
  });

  test('by thread: a scan thread\'s directories though its process lives; never the main thread\'s', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'vigil-scratch-test-'));
    for (const [name, thread] of [['vigil-scan-thrd07', 7], ['vigil-scan-thrd08', 8], ['vigil-scan-thrd00', 0]] as const) {
      await mkdir(join(parent, name));
      await writeFile(join(parent, name, '.vigil-owner'), `${process.pid} 1 ${thread}\n`);
    }
    assert.deepEqual(await cleanStaleScratch({ parent, pid: process.pid, threadId: 7 }), [join(parent, 'vigil-scan-thrd07')]);
    assert.deepEqual(await cleanStaleScratch({ parent, pid: process.pid, threadId: 0 }), []);
    assert.deepEqual(await cleanStaleScratch({ parent }), [], 'this process\'s own are never stale to a sweep');
    assert.ok(existsSync(join(parent, 'vigil-scan-thrd08')) && existsSync(join(parent, 'vigil-scan-thrd00')));
    await rm(parent, { recursive: true, force: true });
  });

  test('messages lose the scratch prefix', () => {
    const base = '/tmp';
    assert.equal(redactScratch('/tmp/vigil-fn-Ab12Cd/code.zip: not a zip archive', base), 'code.zip: not a zip archive');
    assert.equal(redactScratch('cannot read /tmp/vigil-scan-Ab12Cd', base), 'cannot read <scratch>');
    assert.equal(redactScratch('/srv/data/app.zip: fine', base), '/srv/data/app.zip: fine');
  });
});
