import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemeForEcosystem, schemeIdForEcosystem } from './registry.ts';

test('OSV ecosystems map to schemes, release suffixes ignored', () => {
  const cases: [string, string | undefined][] = [
    ['npm', 'semver'],
    ['crates.io', 'semver'],
    ['Pub', 'semver'],
    ['Hex', 'semver'],
    ['SwiftURL', 'semver'],
    ['Go', 'go'],
    ['PyPI', 'pep440'],
    ['Maven', 'maven'],
    ['RubyGems', 'rubygems'],
    ['NuGet', 'nuget'],
    ['Packagist', 'composer'],
    ['Debian:11', 'dpkg'],
    ['Debian', 'dpkg'],
    ['Ubuntu:22.04:LTS', 'dpkg'],
    ['Alpine:v3.18', 'apk'],
    ['Wolfi', 'apk'],
    ['Chainguard', 'apk'],
    ['AlmaLinux:9', 'rpm'],
    ['Rocky Linux:9', 'rpm'],
    ['Red Hat', 'rpm'],
    ['Red Hat:enterprise_linux:9::appstream', 'rpm'],
    ['openSUSE', 'rpm'],
    ['SUSE', 'rpm'],
    ['OSS-Fuzz', undefined],
    ['Linux', undefined],
    ['npm2', undefined],
    ['constructor', undefined],
    ['', undefined],
  ];
  for (const [eco, id] of cases) {
    assert.equal(schemeIdForEcosystem(eco), id, eco);
    assert.equal(schemeForEcosystem(eco)?.id, id, eco);
  }
});

test('a registered scheme parses and compares its ecosystem versions', () => {
  const s = schemeForEcosystem('PyPI')!;
  assert.equal(s.compare(s.parse('1.0rc1'), s.parse('1.0')), -1);
  const m = schemeForEcosystem('Maven')!;
  assert.equal(m.compare(m.parse('1.0-SNAPSHOT'), m.parse('1.0')), -1);
});
