import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { targetOf } from '../../../matching/targets.ts';
import { packageResolvedExtractor, swiftUrlName } from './index.ts';

const td = testdata(import.meta.url);
const run = async (f: string, path = 'Package.resolved') => {
  const c = extractCtx();
  const pkgs = await packageResolvedExtractor.extract(scanFile(path, td(f)), c);
  return { pkgs, errors: c.fileErrors };
};

test('version 1: repositoryURL pins; a branch pin keeps its revision as version', async () => {
  const { pkgs, errors } = await run('happy/v1.Package.resolved', 'App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved');
  assert.deepEqual(errors, []);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}`), [
    'github.com/Alamofire/Alamofire@5.4.3', 'github.com/apple/swift-nio@2.29.0', 'github.com/SwiftyJSON/SwiftyJSON@b3dcd7dbd0d488e1a7077cb33b00f2083e382f07']);
  assert.equal(pkgs[1].ecosystem, 'SwiftURL');
  assert.equal(pkgs[1].purl, 'pkg:swift/github.com/apple/swift-nio@2.29.0');
  assert.equal(pkgs[1].foundBy, 'swift/package-resolved');
});

test('versions 2 and 3: remote pins matchable; fileSystem and registry pins listed, not matched', async () => {
  const v2 = await run('happy/v2.Package.resolved');
  assert.deepEqual(v2.errors, []);
  assert.deepEqual(v2.pkgs.map((p) => p.purl), ['pkg:swift/github.com/0xLeif/Cache@2.1.0']);
  const v3 = await run('happy/v3.Package.resolved');
  assert.deepEqual(v3.errors, []);
  assert.deepEqual(v3.pkgs.map((p) => `${p.name}@${p.version}`), ['github.com/apple/swift-nio@2.64.0', 'github.com/vapor/vapor@4.92.1', '/Users/dev/src/SharedKit@0000000000000000000000000000000000000000', 'mona.linkedlist@1.1.0']);
  assert.ok('key' in targetOf(v3.pkgs[0]));
  assert.match(v3.pkgs[2].purl!, /^pkg:swift\/Users\/dev\/src\/SharedKit@0+\?download_url=file%3A%2FUsers%2Fdev%2Fsrc%2FSharedKit$/);
  assert.match(v3.pkgs[3].purl!, /^pkg:swift\/mona\/linkedlist@1.1.0\?download_url=swift-registry%3Amona.linkedlist$/);
  assert.ok('skip' in targetOf(v3.pkgs[2]) && 'skip' in targetOf(v3.pkgs[3]));
});

test('sad: bad pins are per-pin errors; unknown version, truncated JSON and no pins are parse errors', async () => {
  const { pkgs, errors } = await run('sad/bad-pins.Package.resolved');
  assert.deepEqual(pkgs.map((p) => p.name), ['gitlab.com/group/ok']);
  assert.deepEqual(errors.map((e) => e.rule), Array(5).fill('swift-pin'));
  assert.match(errors.map((e) => e.message).join('\n'), /pins\[3\]: unknown kind "carrierPigeon"/);
  for (const [f, why] of [['v4', /version 4 is not supported/], ['truncated', /not JSON/], ['no-pins', /no "object.pins" list/]] as const) {
    const r = await run(`sad/${f}.Package.resolved`);
    assert.deepEqual(r.pkgs, []);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].rule, 'parse-error');
    assert.match(r.errors[0].message, why);
  }
});

test('swiftUrlName: OSV SwiftURL names from repository URLs', () => {
  assert.equal(swiftUrlName('https://github.com/apple/swift-nio.git'), 'github.com/apple/swift-nio');
  assert.equal(swiftUrlName('https://github.com/apple/swift-nio/'), 'github.com/apple/swift-nio');
  assert.equal(swiftUrlName('git@github.com:apple/swift-nio.git'), 'github.com/apple/swift-nio');
  assert.equal(swiftUrlName('ssh://git@gitlab.example.com:2222/team/lib.git'), 'gitlab.example.com/team/lib');
  assert.equal(swiftUrlName('/Users/dev/lib'), undefined);
  assert.equal(swiftUrlName('x'.repeat(100_000) + '@'), undefined);
});
