/**
 * Issue 20: `vigil scan fs` over one directory holding every lockfile and project format added for
 * Dart, Elixir, Swift, CocoaPods, conan and .NET (the plugins' own testdata) lists their packages,
 * each found by its extractor, and reports the unresolved .NET references as file errors. Needs
 * ../shared/vulndata only to fill the database a scan requires (no advisory data exists there for
 * these ecosystems: src/extractors/*\/README.md).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HOW, needs, ROOT, VULNDATA } from './helpers/prereq.ts';

const BIN = join(ROOT, 'bin', 'vigil.js');
const E = join(ROOT, 'src', 'extractors');

/** target path in the project → the plugin testdata file copied there */
const FILES: Record<string, string> = {
  'mobile/pubspec.lock': 'dart/pubspec-lock/testdata/happy/flutter-sources.pubspec.lock',
  'server/mix.lock': 'elixir/mix-lock/testdata/happy/mix.lock',
  'ios/Podfile.lock': 'swift/podfile-lock/testdata/happy/external.Podfile.lock',
  'ios/App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved': 'swift/package-resolved/testdata/happy/v1.Package.resolved',
  'spm/Package.resolved': 'swift/package-resolved/testdata/happy/v3.Package.resolved',
  'native/conan.lock': 'cpp/conan-lock/testdata/happy/openstudio.conan.lock',
  'legacy/packages.config': 'dotnet/packages-config/testdata/happy/packages.config',
  'dotnet/Directory.Packages.props': 'dotnet/project-file/testdata/happy/cpm/Directory.Packages.props',
  'dotnet/Directory.Build.props': 'dotnet/project-file/testdata/happy/cpm/Directory.Build.props',
  'dotnet/src/Api/Api.csproj': 'dotnet/project-file/testdata/happy/cpm/src/Api/Api.csproj',
};

describe('vigil scan fs: Dart, Elixir, Swift, CocoaPods, conan and .NET project files', { skip: needs('../shared/vulndata', existsSync(VULNDATA), HOW.vulndata) }, () => {
  let dir = '';
  const vigil = (args: string[]) => spawnSync(process.execPath, [BIN, '--home', join(dir, 'home'), ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '' } });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ecosystems-'));
    for (const [to, from] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, 'proj', to)), { recursive: true });
      copyFileSync(join(E, from), join(dir, 'proj', to));
    }
    const r = vigil(['db', 'import', '-q', join(VULNDATA, 'crates.io')]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every format gives its packages, with ecosystem, purl and location', () => {
    const r = vigil(['scan', 'fs', join(dir, 'proj'), '--offline', '-f', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { packages: { ecosystem: string; name: string; version: string; purl?: string; foundBy?: string; locations?: string[] }[]; errors: { path: string; rule: string; message: string }[] };
    const count: Record<string, number> = {};
    for (const p of j.packages) count[p.foundBy ?? ''] = (count[p.foundBy ?? ''] ?? 0) + 1;
    assert.deepEqual(count, {
      'dart/pubspec-lock': 6, 'elixir/mix-lock': 7, 'swift/podfile-lock': 5, 'swift/package-resolved': 7,
      'cpp/conan-lock': 6, 'dotnet/packages-config': 5, 'dotnet/project-file': 5,
    });
    const find = (eco: string, name: string) => j.packages.find((p) => p.ecosystem === eco && p.name === name);
    assert.deepEqual(find('Pub', 'url_launcher')?.locations, ['mobile/pubspec.lock']);
    assert.equal(find('Hex', 'plug')?.purl, 'pkg:hex/plug@1.8.3');
    assert.equal(find('SwiftURL', 'github.com/Alamofire/Alamofire')?.locations?.[0], 'ios/App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved');
    assert.deepEqual(j.packages.filter((p) => p.name === 'github.com/apple/swift-nio').map((p) => p.version).sort(), ['2.29.0', '2.64.0']);
    assert.equal(find('CocoaPods', 'Firebase')?.version, '10.0.0');
    assert.equal(find('ConanCenter', 'openssl')?.purl, 'pkg:conan/openssl@3.1.0');
    assert.equal(find('NuGet', 'jQuery')?.locations?.[0], 'legacy/packages.config');
    assert.equal(find('NuGet', 'Serilog')?.version, '2.10.0');
    assert.equal(find('NuGet', 'Nerdbank.GitVersioning')?.locations?.[0], 'dotnet/Directory.Packages.props');
    assert.deepEqual(j.errors.map((e) => `${e.rule} ${e.path}`).sort(), ['nuget-unresolved dotnet/src/Api/Api.csproj', 'nuget-unresolved dotnet/src/Api/Api.csproj']);
  });
});
