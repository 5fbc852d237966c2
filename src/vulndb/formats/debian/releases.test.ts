import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEBIAN_RELEASES, debianCodename, debianEcosystem, debianReleaseNumber, debianVersionProblem } from './index.ts';

test('codename ↔ number table round-trips', () => {
  assert.equal(DEBIAN_RELEASES.length, 20);
  for (const { codename, version } of DEBIAN_RELEASES) {
    assert.equal(debianReleaseNumber(codename), version);
    assert.equal(debianCodename(version), codename);
  }
});

test('release helpers: spot checks, point releases, unknowns', () => {
  assert.equal(debianReleaseNumber('woody'), '3.0');
  assert.equal(debianReleaseNumber('Bookworm'), '12');
  assert.equal(debianReleaseNumber('sid'), undefined);
  assert.equal(debianReleaseNumber('hamster'), undefined);
  assert.equal(debianEcosystem('bullseye'), 'Debian:11');
  assert.equal(debianCodename('12.5'), 'bookworm');
  assert.equal(debianCodename('5.0.10'), 'lenny');
  assert.equal(debianCodename('3.1r8'), 'sarge');
  assert.equal(debianCodename('3'), undefined);
  assert.equal(debianCodename('99'), undefined);
  assert.equal(debianCodename('bookworm/sid'), undefined);
});

test('debianVersionProblem flags only unusable versions', () => {
  for (const ok of ['2:1.20.11-1+deb11u6', '111.0.5563.110-1~deb11u1', '011226.17', '1.0', '1:2.0:3-1'])
    assert.equal(debianVersionProblem(ok), undefined, ok);
  assert.equal(debianVersionProblem('a:1.0'), 'epoch must be numeric');
  assert.equal(debianVersionProblem('kernel-image-2.4.17-ia64'), 'version must start with a digit');
  assert.equal(debianVersionProblem('1.0_1'), 'only letters, digits and . + ~ - : are allowed');
  assert.equal(debianVersionProblem('1.0-'), 'empty Debian revision');
  assert.equal(debianVersionProblem('1:'), 'empty version');
});
