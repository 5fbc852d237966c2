/**
 * The Vigil score formula (issue 16): one test per adjustment, the bounds, UNKNOWN + KEV, the
 * worked examples of docs/scoring.md, and that docs/scoring.md's weight table is SCORE_WEIGHTS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { contextKey, exploitInputs, rescore, resourceScoreContext, SCORE_WEIGHTS, vigilScore, type ScoreInput } from './score.ts';
import type { CveEnrichment } from '../model/index.ts';

const V98 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const base = (score: number, vector = V98, version = '3.1') => ({ score, version, vector, source: 'TEST-1' });
const score = (i: Partial<ScoreInput>) => vigilScore({ type: 'vulnerability', base: base(9.8), fixAvailable: true, ...i });
const metrics = (s: ReturnType<typeof vigilScore>) => s.adjustments.map((a) => [a.metric, a.from, a.to]);
const kev = { cve: 'CVE-2021-44228', dateAdded: '2021-12-10' };

test('no signal: the base score and its band, no adjustment', () => {
  const s = score({ base: base(7.5, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N') });
  assert.equal(s.score, 7.5);
  assert.equal(s.severity, 'HIGH');
  assert.deepEqual(s.adjustments, []);
  assert.equal(s.formula, 'vigil-1');
});

test('kev: +KEV_BONUS, at least KEV_FLOOR; ransomware: at least KEV_RANSOMWARE_FLOOR', () => {
  assert.deepEqual(metrics(score({ base: base(5.3), kev })), [['kev', 5.3, 7.3]]);
  assert.deepEqual(metrics(score({ base: base(4.3), kev })), [['kev', 4.3, SCORE_WEIGHTS.KEV_FLOOR]]);
  assert.deepEqual(metrics(score({ base: base(7.5), kev: { ...kev, knownRansomwareCampaignUse: 'Known' } })), [['kev', 7.5, 9.5]]);
  const r = score({ base: base(6.1), kev: { ...kev, knownRansomwareCampaignUse: 'Known' } });
  assert.deepEqual(metrics(r), [['kev', 6.1, SCORE_WEIGHTS.KEV_RANSOMWARE_FLOOR]]);
  assert.equal(r.severity, 'CRITICAL');
  assert.match(r.adjustments[0].reason, /added 2021-12-10, known ransomware use/);
  // "Unknown" ransomware use is not "Known"
  assert.deepEqual(metrics(score({ base: base(6.1), kev: { ...kev, knownRansomwareCampaignUse: 'Unknown' } })), [['kev', 6.1, 8.1]]);
});

test('bounds: never above 10 nor below 0', () => {
  const hi = score({ base: base(10), kev, epss: { cve: 'CVE-1', probability: 0.9, percentile: 0.999 } });
  assert.deepEqual(metrics(hi), [['kev', 10, 10], ['epss', 10, 10]]);
  assert.equal(hi.score, 10);
  const lo = score({ base: base(0.3, 'CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N'), fixAvailable: false, inUse: { inUse: false, windowDays: 90 } });
  assert.deepEqual(metrics(lo), [['inUse', 0.3, 0], ['fix', 0, 0]]);
  assert.equal(lo.severity, 'NONE');
});

test('exploit: SSVC active / poc when not in KEV; KEV takes precedence', () => {
  assert.deepEqual(metrics(score({ base: base(6.5), exploitation: 'poc' })), [['exploit', 6.5, 7]]);
  assert.deepEqual(metrics(score({ base: base(6.5), exploitation: 'active' })), [['exploit', 6.5, 7.5]]);
  assert.deepEqual(metrics(score({ base: base(6.5), exploitation: 'active', kev })), [['kev', 6.5, 8.5]]);
});

test('epss: tiers by percentile; below the high tier nothing', () => {
  const e = (percentile: number) => score({ base: base(7.5), epss: { cve: 'CVE-2020-1', probability: 0.5, percentile, date: '2025-11-16' } });
  assert.deepEqual(metrics(e(0.995)), [['epss', 7.5, 8.5]]);
  assert.deepEqual(metrics(e(0.99)), [['epss', 7.5, 8.5]]);
  assert.deepEqual(metrics(e(0.93)), [['epss', 7.5, 8]]);
  assert.deepEqual(metrics(e(0.9)), [['epss', 7.5, 8]]);
  assert.deepEqual(metrics(e(0.899)), []);
  assert.match(e(0.995).adjustments[0].reason, /EPSS 50\.00% \(percentile 0\.995 ≥ 0\.99, 2025-11-16\)/);
  assert.deepEqual(e(0.5).inputs.epss, { cve: 'CVE-2020-1', probability: 0.5, percentile: 0.5, date: '2025-11-16' });
});

test('fix: no fixed version lowers by NO_FIX_PENALTY', () => {
  const s = score({ base: base(9.1), fixAvailable: false });
  assert.deepEqual(metrics(s), [['fix', 9.1, 8.6]]);
  assert.equal(s.severity, 'HIGH');
});

test('inUse: an image not pulled within the window is lowered; in use moves nothing', () => {
  assert.deepEqual(metrics(score({ base: base(7.5), inUse: { inUse: false, windowDays: 90 } })), [['inUse', 7.5, 6.5]]);
  assert.deepEqual(metrics(score({ base: base(7.5), inUse: { inUse: true, windowDays: 90 } })), []);
  const now = new Date('2025-09-01T00:00:00Z');
  assert.deepEqual(resourceScoreContext({ type: 'image', last_pulled_at: '2025-05-01T00:00:00Z' }, now).inUse, { inUse: false, windowDays: 90 });
  assert.deepEqual(resourceScoreContext({ type: 'image', last_pulled_at: '2025-08-01T00:00:00Z' }, now).inUse, { inUse: true, windowDays: 90 });
  assert.deepEqual(resourceScoreContext({ type: 'image', last_pulled_at: null }, now), {}, 'no pull recorded: no signal');
  assert.deepEqual(resourceScoreContext({ type: 'host', last_pulled_at: '2025-05-01T00:00:00Z' }, now), {}, 'only images have a pull signal');
});

test('reachability: AV:N unreachable is scored with MAV:A; reachable is recorded; other vectors untouched', () => {
  const un = score({ reachability: { internet: false, source: 'aws' } });
  assert.deepEqual(metrics(un), [['reachability', 9.8, 8.8]]);
  assert.match(un.adjustments[0].reason, /MAV:A \(CVSS 3\.1 9\.8 → 8\.8, -1\.0\)/);
  assert.deepEqual(metrics(score({ reachability: { internet: true, source: 'aws' } })), [['reachability', 9.8, 9.8]]);
  const v4 = score({ base: base(9.3, 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', '4.0'), reachability: { internet: false, source: 'host-firewall' } });
  assert.deepEqual(metrics(v4), [['reachability', 9.3, 8.7]]);
  assert.deepEqual(metrics(score({ base: base(8.4, 'CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), reachability: { internet: false, source: 'aws' } })), []);
  assert.deepEqual(metrics(score({ base: base(7.5, 'AV:N/AC:L/Au:N/C:P/I:P/A:P', '2.0'), reachability: { internet: false, source: 'aws' } })), [], 'v2 has no MAV');
});

test('no score: UNKNOWN stays UNKNOWN, KEV raises it to HIGH (CRITICAL with ransomware); the advisory word is kept', () => {
  const none = vigilScore({ type: 'vulnerability', base: null, fixAvailable: false });
  assert.equal(none.severity, 'UNKNOWN');
  assert.equal(none.score, null);
  assert.equal(none.basis, 'none');
  assert.deepEqual(none.adjustments, [], 'fix and the others need a score');
  const k = vigilScore({ type: 'vulnerability', base: null, fixAvailable: true, kev, epss: { cve: 'CVE-1', probability: 0.9, percentile: 0.999 } });
  assert.equal(k.severity, 'HIGH');
  assert.equal(k.score, null);
  assert.deepEqual(k.adjustments.map((a) => [a.metric, a.from, a.to, a.fromSeverity, a.toSeverity]), [['kev', null, null, 'UNKNOWN', 'HIGH']]);
  assert.equal(vigilScore({ type: 'vulnerability', base: null, fixAvailable: true, kev: { ...kev, knownRansomwareCampaignUse: 'Known' } }).severity, 'CRITICAL');
  const word = vigilScore({ type: 'vulnerability', base: null, fixAvailable: true, advisorySeverity: 'CRITICAL', kev });
  assert.equal(word.severity, 'CRITICAL', 'KEV never lowers');
  assert.equal(word.basis, 'advisory');
  assert.equal(vigilScore({ type: 'vulnerability', base: null, fixAvailable: true, advisorySeverity: 'LOW' }).severity, 'LOW');
});

test('malicious packages: CRITICAL, no score, no adjustment', () => {
  const m = vigilScore({ type: 'malicious', base: null, fixAvailable: false, kev });
  assert.deepEqual([m.severity, m.score, m.basis, m.adjustments.length], ['CRITICAL', null, 'malicious', 0]);
});

test('the worked example of every adjustment at once (docs/scoring.md)', () => {
  const s = score({ fixAvailable: false, kev, epss: { cve: kev.cve, probability: 0.94, percentile: 0.995 }, inUse: { inUse: false, windowDays: 90 }, reachability: { internet: false, source: 'aws' } });
  assert.deepEqual(metrics(s), [['reachability', 9.8, 8.8], ['kev', 8.8, 10], ['epss', 10, 10], ['inUse', 10, 9], ['fix', 9, 8.5]]);
  assert.deepEqual([s.score, s.severity], [8.5, 'HIGH']);
});

test('rescore: a context replaces the previous one; contextKey names it', () => {
  const plain = score({});
  const un = rescore(plain, { reachability: { internet: false, source: 'aws' } });
  assert.equal(un.score, 8.8);
  assert.equal(rescore(un, {}).score, 9.8, 'context removed: back to the plain score');
  assert.equal(contextKey({}), '');
  assert.notEqual(contextKey({ reachability: { internet: false, source: 'aws' } }), contextKey({ reachability: { internet: true, source: 'aws' } }));
});

test('exploitInputs: earliest KEV (ransomware first), highest EPSS percentile, strongest SSVC', () => {
  const enr = new Map<string, CveEnrichment>([
    ['CVE-2020-1', { cve: 'CVE-2020-1', kev: { dateAdded: '2022-01-01' }, epss: { score: 0.1, percentile: 0.8 }, ssvc: { exploitation: 'poc' } }],
    ['CVE-2020-2', { cve: 'CVE-2020-2', kev: { dateAdded: '2023-01-01', knownRansomwareCampaignUse: 'Known' }, epss: { score: 0.3, percentile: 0.95 } }],
    ['CVE-2020-3', { cve: 'CVE-2020-3', kev: { dateAdded: '2021-01-01' }, ssvc: { exploitation: 'active' } }],
  ]);
  assert.deepEqual(exploitInputs(['CVE-2020-3', 'CVE-2020-1', 'CVE-2020-2'], enr), {
    kev: { cve: 'CVE-2020-2', dateAdded: '2023-01-01', knownRansomwareCampaignUse: 'Known' },
    epss: { cve: 'CVE-2020-2', probability: 0.3, percentile: 0.95 },
    exploitation: 'active',
  });
  assert.deepEqual(exploitInputs(['CVE-2020-1', 'CVE-2020-3'], enr).kev, { cve: 'CVE-2020-3', dateAdded: '2021-01-01' });
  assert.deepEqual(exploitInputs(['CVE-2099-1'], enr), {});
});

test('docs/scoring.md publishes exactly SCORE_WEIGHTS', () => {
  const doc = readFileSync(new URL('../../docs/scoring.md', import.meta.url), 'utf8');
  const table = /<!-- weights:begin[^>]*-->([\s\S]*?)<!-- weights:end -->/.exec(doc);
  assert.ok(table, 'docs/scoring.md has the weights table');
  const published: Record<string, number> = {};
  for (const m of table[1].matchAll(/^\| `([A-Z_]+)` \| ([0-9.]+) \|/gm)) published[m[1]] = Number(m[2]);
  assert.deepEqual(published, { ...SCORE_WEIGHTS });
});
