import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizePackageName } from '../model/index.ts';
import { notFromRegistry, packageKey, targetOf } from './targets.ts';

const pkg = (ecosystem: string, name: string, purl?: string) => ({ ecosystem, name, version: '1.0.0', ...(purl ? { purl } : {}) });

test('a package built from version control or downloaded elsewhere is not matched as its registry release', () => {
  assert.equal(notFromRegistry('pkg:pub/x@1.0.0'), undefined);
  assert.equal(notFromRegistry(undefined), undefined);
  assert.equal(notFromRegistry('pkg:hex/x@abc?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fa%2Fx.git%40abc'), 'vcs_url git+https://github.com/a/x.git@abc');
  assert.equal(notFromRegistry('pkg:pub/x@1.0.0?download_url=file%3A..%2Fx'), 'download_url file:../x');
  assert.equal(notFromRegistry('pkg:pub/x@1.0.0?arch=x&download_url=%zz'), 'download_url %zz');
  // only the qualifier names count, not a value that mentions them
  assert.equal(notFromRegistry('pkg:npm/x@1.0.0?repository_url=https%3A%2F%2Fr%2F%3Fvcs_url%3D1'), undefined);
  const t = targetOf(pkg('Pub', 'x', 'pkg:pub/x@1.0.0?download_url=sdk%3Aflutter'));
  assert.deepEqual(t, { skip: "not its registry's release (download_url sdk:flutter); registry advisories are not matched against it" });
  assert.ok('key' in targetOf(pkg('Pub', 'x', 'pkg:pub/x@1.0.0')));
});

test('CocoaPods packages are listed, not matched: OSV has no such ecosystem', () => {
  assert.deepEqual(targetOf(pkg('CocoaPods', 'Alamofire', 'pkg:cocoapods/Alamofire@1.0.0')), { skip: 'OSV has no CocoaPods ecosystem: listed, not matched' });
});

test('SwiftURL names compare without scheme, case or ".git"', () => {
  for (const n of ['https://github.com/Apple/swift-nio.git', 'github.com/apple/swift-nio', 'github.com/apple/swift-nio/']) {
    assert.equal(normalizePackageName('SwiftURL', n), 'github.com/apple/swift-nio', n);
  }
  assert.equal(packageKey('SwiftURL', 'GitHub.com/apple/swift-nio'), packageKey('SwiftURL', 'https://github.com/apple/swift-nio.git'));
  assert.equal(normalizePackageName('SwiftURL', `github.com/${'/'.repeat(100_000)}x`).length, 100_012); // (linear: no backtracking on long runs)
});
