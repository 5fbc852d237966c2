import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { targetOf } from '../../../matching/targets.ts';
import { podfileLockExtractor } from './index.ts';

const td = testdata(import.meta.url);
const run = async (f: string) => {
  const c = extractCtx();
  return { pkgs: await podfileLockExtractor.extract(scanFile('ios/Podfile.lock', td(f)), c), errors: c.fileErrors };
};

test('real Podfile.lock: every pod with its version; listed, not matched (OSV has no CocoaPods)', async () => {
  const { pkgs, errors } = await run('happy/SkeletonView.Podfile.lock');
  assert.deepEqual(errors, []);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}`), ['Differentiator@3.1.0', 'RxAtomic@4.4.0', 'RxCocoa@4.4.0', 'RxDataSources@3.1.0', 'RxSwift@4.4.0']);
  assert.equal(pkgs[4].ecosystem, 'CocoaPods');
  assert.equal(pkgs[4].purl, 'pkg:cocoapods/RxSwift@4.4.0');
  assert.equal(pkgs[4].foundBy, 'swift/podfile-lock');
  const t = targetOf(pkgs[4]);
  assert.ok('skip' in t && /OSV has no CocoaPods ecosystem/.test(t.skip), JSON.stringify(t));
});

test('subspecs fold into their pod; :git and :path pods carry where they came from', async () => {
  const { pkgs, errors } = await run('happy/external.Podfile.lock');
  assert.deepEqual(errors, []);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}`), ['Alamofire@5.4.3', 'Firebase@10.0.0', 'FirebaseCore@10.0.0', 'LocalKit@0.1.0', 'SwiftyJSON@5.0.1']);
  const by = Object.fromEntries(pkgs.map((p) => [p.name, p.purl]));
  assert.equal(by.Alamofire, 'pkg:cocoapods/Alamofire@5.4.3');
  assert.equal(by.LocalKit, 'pkg:cocoapods/LocalKit@0.1.0?download_url=file%3A..%2FLocalKit');
  assert.equal(by.SwiftyJSON, 'pkg:cocoapods/SwiftyJSON@5.0.1?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2FSwiftyJSON%2FSwiftyJSON.git%405.0.1');
});

test('sad: bad PODS items are per-entry errors; not YAML or no PODS are parse errors', async () => {
  const { pkgs, errors } = await run('sad/bad-entries.Podfile.lock');
  assert.deepEqual(pkgs.map((p) => p.name), ['Ok']);
  assert.deepEqual(errors.map((e) => e.rule), Array(4).fill('pod-entry'));
  for (const f of ['sad/not-yaml.Podfile.lock', 'sad/no-pods.Podfile.lock']) {
    const r = await run(f);
    assert.deepEqual(r.pkgs, []);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].rule, 'parse-error');
    assert.match(r.errors[0].message, /^ios\/Podfile.lock: not a Podfile.lock/);
  }
});
