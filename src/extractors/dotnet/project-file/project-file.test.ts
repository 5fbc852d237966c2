import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ExtractContext } from '../../types.ts';
import { scanFile } from '../../testkit.ts';
import { pinnedVersion } from '../msbuild.ts';
import { projectFileExtractor } from './index.ts';

const base = fileURLToPath(new URL('testdata/', import.meta.url));
/** a context whose readFile serves testdata/<root>/… as the scanned filesystem */
const fsCtx = (rootDir: string): ExtractContext & { reads: string[] } => {
  const reads: string[] = [];
  return {
    reads,
    fileErrors: [],
    readFile: async (p) => {
      reads.push(p);
      try { return readFileSync(join(base, rootDir, p)); } catch { return null; }
    },
  };
};
const extract = async (rootDir: string, p: string) => {
  const c = fsCtx(rootDir);
  const pkgs = await projectFileExtractor.extract(scanFile(p, readFileSync(join(base, rootDir, p))), c);
  return { pkgs: pkgs.map((x) => `${x.name}@${x.version}${x.dev ? ' dev' : ''}`), errors: c.fileErrors, reads: c.reads, raw: pkgs };
};

test('central package management: versions from the nearest Directory.Packages.props, properties from it and Directory.Build.props, VersionOverride wins', async () => {
  const r = await extract('happy/cpm', 'src/Api/Api.csproj');
  assert.deepEqual(r.pkgs, ['Newtonsoft.Json@12.0.1', 'Serilog@2.10.0', 'Microsoft.Extensions.Logging@8.0.1', 'xunit@2.5.0 dev']);
  assert.equal(r.raw[0].purl, 'pkg:nuget/Newtonsoft.Json@12.0.1');
  assert.equal(r.raw[0].foundBy, 'dotnet/project-file');
  assert.deepEqual(r.raw[0].locations, ['src/Api/Api.csproj']);
  assert.deepEqual(r.errors.map((e) => e.rule), ['nuget-unresolved', 'nuget-unresolved']);
  assert.match(r.errors[0].message, /^src\/Api\/Api.csproj: System.Text.Json: version unresolved \("\[8.0.0,9.0.0\)" is a version range, not a version\)/);
  assert.match(r.errors[1].message, /Dapper: version unresolved \(no Version, and Directory.Packages.props has no <PackageVersion Include="Dapper">\)/);
  // looked up the tree: src/Api, src, then the root
  assert.deepEqual(r.reads, ['src/Api/Directory.Build.props', 'src/Directory.Build.props', 'Directory.Build.props', 'src/Api/Directory.Packages.props', 'src/Directory.Packages.props', 'Directory.Packages.props']);
});

test('Directory.Packages.props: its GlobalPackageReferences are packages; PackageVersions alone are not', async () => {
  const r = await extract('happy/cpm', 'Directory.Packages.props');
  assert.deepEqual(r.pkgs, ['Nerdbank.GitVersioning@3.6.133 dev']);
  assert.deepEqual(r.errors, []);
  assert.deepEqual((await extract('happy/cpm', 'Directory.Build.props')).pkgs, []);
});

test('a version in a child element; an F# project', async () => {
  const r = await extract('happy/cpm', 'src/Tools/Tools.fsproj');
  assert.deepEqual(r.pkgs, ['FSharp.Core@6.0.1']);
  assert.deepEqual(r.errors, []);
});

test('without central management: own properties expanded; exact [v] kept; ranges, floating and unknown properties unresolved, never guessed', async () => {
  const r = await extract('happy/plain', 'App.csproj');
  assert.deepEqual(r.pkgs, ['Newtonsoft.Json@12.0.1', 'Microsoft.EntityFrameworkCore@6.0.0', 'AutoMapper@10.1.1', 'Moq@4.16.1']);
  const msgs = r.errors.map((e) => e.message);
  assert.equal(r.errors.length, 3);
  assert.ok(r.errors.every((e) => e.rule === 'nuget-unresolved'));
  assert.match(msgs[0], /Microsoft.EntityFrameworkCore.Design: version unresolved \("\$\(EfToolsVersion\)" from its Version uses \$\(EfToolsVersion\), not defined in this file, Directory.Build.props\)/);
  assert.match(msgs[1], /Polly: version unresolved \("\[7.0,8.0\)" is a version range, not a version\)/);
  assert.match(msgs[2], /Humanizer: version unresolved \("2.\*" is a floating version/);
});

test('sad: malformed XML, a non-project root and DTD entities are parse errors or inert', async () => {
  for (const f of ['truncated.csproj', 'not-a-project.csproj']) {
    const r = await extract('sad', f);
    assert.deepEqual(r.pkgs, []);
    assert.equal(r.errors.length, 1, f);
    assert.equal(r.errors[0].rule, 'parse-error');
    assert.match(r.errors[0].message, new RegExp(`^${f}: not an MSBuild project file`));
  }
  // entities are not expanded: "&lol2;" is no version
  const r = await extract('sad', 'entity.csproj');
  assert.deepEqual(r.pkgs, []);
  assert.deepEqual(r.errors.map((e) => e.message), ['entity.csproj: A: version unresolved (invalid NuGet version "&lol2;": version parts must be numbers); not listed']);
});

test('pinnedVersion', () => {
  assert.deepEqual(pinnedVersion('1.2.3'), { version: '1.2.3' });
  assert.deepEqual(pinnedVersion('[1.2.3]'), { version: '1.2.3' });
  assert.deepEqual(pinnedVersion(' 1.0.0-beta.2 '), { version: '1.0.0-beta.2' });
  for (const s of ['(,1.0]', '[1.0,)', '1.*', '$(V)', '', 'latest']) assert.ok('why' in pinnedVersion(s), s);
});

test('fileRequired: project files, Directory.Packages.props and Directory.Build.props', () => {
  const info = { path: '', kind: 'file' as const, size: 100 };
  for (const p of ['a/App.csproj', 'b/Lib.fsproj', 'c/X.vbproj', 'Directory.Packages.props', 'src/Directory.Build.props']) assert.ok(projectFileExtractor.fileRequired(p, info), p);
  for (const p of ['a/App.csproj.user', 'a/App.sln', 'a/packages.props']) assert.ok(!projectFileExtractor.fileRequired(p, info), p);
});
