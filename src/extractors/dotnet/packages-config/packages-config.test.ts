import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { packagesConfigExtractor } from './index.ts';

const td = testdata(import.meta.url);

test('packages.config: every package at its exact version; developmentDependency → dev', async () => {
  const c = extractCtx();
  const pkgs = await packagesConfigExtractor.extract(scanFile('Web/packages.config', td('happy/packages.config')), c);
  assert.deepEqual(c.fileErrors, []);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`), ['jQuery@3.3.1', 'Newtonsoft.Json@12.0.1', 'Microsoft.CodeDom.Providers.DotNetCompilerPlatform@2.0.1', 'StyleCop.Analyzers@1.1.118 dev', 'Antlr@3.5.0.2']);
  assert.equal(pkgs[1].ecosystem, 'NuGet');
  assert.equal(pkgs[1].purl, 'pkg:nuget/Newtonsoft.Json@12.0.1');
  assert.equal(pkgs[1].foundBy, 'dotnet/packages-config');
});

test('sad: missing id/version and ranges are recorded; malformed XML is a parse error', async () => {
  const c = extractCtx();
  const pkgs = await packagesConfigExtractor.extract(scanFile('packages.config', td('sad/bad.packages.config')), c);
  assert.deepEqual(pkgs.map((p) => p.name), ['Ok']);
  assert.deepEqual(c.fileErrors.map((e) => e.rule), ['nuget-entry', 'nuget-unresolved', 'nuget-unresolved']);
  assert.match(c.fileErrors[2].message, /Range: version unresolved \("\[1.0,2.0\)" is a version range, not a version\)/);
  const c2 = extractCtx();
  assert.deepEqual(await packagesConfigExtractor.extract(scanFile('packages.config', td('sad/truncated.packages.config')), c2), []);
  assert.equal(c2.fileErrors[0].rule, 'parse-error');
  assert.match(c2.fileErrors[0].message, /^packages.config: not a packages.config: not well-formed XML/);
});
