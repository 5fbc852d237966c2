/**
 * Converts the whole FriendsOfPHP snapshot and compares each advisory's affected entries with the
 * independent conversion in ../shared/crosscheck/derived/Packagist (joined on the native file path,
 * database_specific.source_path on both sides). Both map each branch's comparisons one to one onto
 * events, with no version arithmetic, so entries are compared per (package, branch) as event sets:
 * order-insensitive, and `introduced: "0"` equal to a missing lower bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvAffected, OsvRecord } from '../../../../model/index.ts';
import { convertZip, printTally, readDerived, recordProblems, sharedPath, unexplained, type Explained, type Tally } from '../testutil.ts';
import { friendsOfPhpFormat } from './index.ts';
import { HOW, needsNow } from '../../../../../test/helpers/prereq.ts';

/** Every known disagreement, with why. The test fails on any other, and on stale rows. */
const EXPLAINED: Explained[] = [];

function entryKey(a: OsvAffected): string {
  const events = (a.ranges ?? []).flatMap((r) => r.events).map((e) => JSON.stringify(e)).sort();
  const versions = [...(a.versions ?? [])].sort();
  return `${a.package?.ecosystem}/${a.package?.name} ${String(a.database_specific?.branch)}: ${events.join(' ')}${versions.length ? ` versions ${versions.join(' ')}` : ''}`;
}

function entriesOf(r: OsvRecord, path: string): string[] {
  return (r.affected ?? []).filter((a) => a.database_specific?.source_path === undefined || a.database_specific.source_path === path).map(entryKey).sort();
}

test('friendsofphp: whole snapshot agrees with crosscheck/derived/Packagist', async (t) => {
  const nativeZip = sharedPath('vulndata/native/friendsofphp/all.zip');
  const derivedZip = sharedPath('crosscheck/derived/Packagist/all.zip');
  if (needsNow(t, '../shared/vulndata', nativeZip, HOW.vulndata) || needsNow(t, '../shared/crosscheck', derivedZip, 'the shared cross-check data at ../shared/crosscheck') || !nativeZip || !derivedZip) return;
  const ours = await convertZip(friendsOfPhpFormat, nativeZip);
  const derived = await readDerived(derivedZip);
  assert.equal(ours.claimed, ours.entries, 'every entry of the FriendsOfPHP zip is claimed');

  const oursByPath = new Map<string, OsvRecord>();
  for (const r of ours.records) oursByPath.set(String(r.database_specific?.source_path), r);
  const derivedByPath = new Map<string, OsvRecord>();
  for (const r of derived) derivedByPath.set(String(r.database_specific?.source_path), r);

  // one record per file, each with the same stable synthetic id as derived's
  assert.deepEqual(recordProblems(ours.records), [], 'valid OSV, unique ids, RFC 3339 modified, no alias equal to the id');
  const idMismatch: string[] = [];
  const tally: Tally = { compared: 0, agree: 0, disagree: [], onlyOurs: [], onlyDerived: [] };
  for (const [path, r] of oursByPath) {
    const d = derivedByPath.get(path);
    if (!d) {
      tally.onlyOurs.push(path);
      continue;
    }
    tally.compared++;
    if (r.id !== d.id) idMismatch.push(`${path}: ours ${r.id}, derived ${d.id}`);
    const a = entriesOf(r, path);
    const b = entriesOf(d, path);
    if (JSON.stringify(a) === JSON.stringify(b)) tally.agree++;
    else tally.disagree.push({ key: path, kind: 'ranges', detail: `ours ${a.join(' ; ')} | derived ${b.join(' ; ')}` });
  }
  for (const path of derivedByPath.keys()) if (!oursByPath.has(path)) tally.onlyDerived.push(path);

  printTally('friendsofphp', tally);
  const skipped = new Map<string, number>();
  for (const e of ours.errors) skipped.set(e.rule, (skipped.get(e.rule) ?? 0) + 1);
  console.log(`friendsofphp: ${ours.entries} files, ${ours.records.length} records (${new Set(ours.records.map((r) => r.id)).size} ids), skipped by rule: ${JSON.stringify(Object.fromEntries(skipped))}`);

  assert.deepEqual(idMismatch, [], 'same id as derived for every file both convert');
  const { missing, stale } = unexplained(tally, EXPLAINED);
  for (const m of missing) console.log(`UNEXPLAINED ${m.kind} ${m.key}: ${m.detail}`);
  assert.deepEqual(missing, [], 'every disagreement with derived is explained');
  assert.deepEqual(stale, [], 'no explained disagreement is stale');
});
