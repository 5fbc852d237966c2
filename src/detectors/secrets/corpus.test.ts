/**
 * The corpus: planted secrets (valid formats and checksums, generated at run time) and decoys, in
 * testdata/corpus. Prints recall and false positives and asserts the exact set of findings, and
 * that no planted secret appears in the findings or anything printed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanSecrets } from './index.ts';
import { buildCorpus, memFS } from './testutil.ts';

test('corpus: recall, false positives, the exact set, nothing leaked', async () => {
  const { files, expects, secrets } = buildCorpus();
  const { findings, errors } = await scanSecrets(memFS(files));
  assert.deepEqual(errors, []);
  const key = (path: string, line: number) => `${path}:${line}`;
  const byLine = new Map<string, typeof findings>();
  for (const f of findings) {
    const k = key(f.location.path, f.location.line);
    byLine.set(k, [...(byLine.get(k) ?? []), f]);
  }
  const plants = expects.filter((e) => e.kind === 'plant');
  const suppressed = expects.filter((e) => e.kind === 'suppressed');
  const decoys = expects.filter((e) => e.kind === 'decoy');
  const found = plants.filter((e) => byLine.get(key(e.path, e.line))?.some((f) => f.rule === e.rule && !f.suppressed));
  const supOk = suppressed.filter((e) => byLine.get(key(e.path, e.line))?.some((f) => f.rule === e.rule && f.suppressed));
  const fps = decoys.filter((e) => byLine.get(key(e.path, e.line))?.some((f) => !f.suppressed));
  console.log(`recall ${found.length}/${plants.length}, false positives ${fps.length}/${decoys.length}, suppressed ${supOk.length}/${suppressed.length}`);
  for (const e of plants.filter((p) => !found.includes(p))) console.log(`  missed ${e.path}:${e.line} ${e.rule}`);
  for (const e of fps) console.log(`  false positive ${e.path}:${e.line} ${byLine.get(key(e.path, e.line))!.map((f) => f.rule).join(',')}`);

  // the exact set: every finding is a plant or a suppressed plant, on its line, with its rule
  const want = [...plants, ...suppressed].map((e) => `${e.path}:${e.line} ${e.rule}${e.kind === 'suppressed' ? ' suppressed' : ''}`).sort();
  const got = findings.map((f) => `${f.location.path}:${f.location.line} ${f.rule}${f.suppressed ? ' suppressed' : ''}`).sort();
  assert.deepEqual(got, want);
  assert.equal(found.length, plants.length);
  assert.equal(fps.length, 0);

  // nothing planted appears in the findings' JSON (nor, so, in anything printed from them)
  const json = JSON.stringify(findings);
  for (const s of secrets) {
    const parts = s.split(/\n|\\n/).filter((p) => p.length >= 16 && !p.startsWith('-----') && !/^[A-Za-z-]+: /.test(p));
    for (const part of parts) assert.ok(!json.includes(part), `a planted secret leaked into the findings (${part.slice(0, 4)}…)`);
  }
  for (const f of findings) {
    assert.match(f.secret.hash, /^[0-9a-f]{64}$/);
    assert.ok(f.secret.prefix.length <= f.secret.length / 2);
  }
});
