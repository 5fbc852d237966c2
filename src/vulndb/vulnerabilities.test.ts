/** The vulnerabilities a record's findings are keyed by (vulnerabilities.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OsvRecord } from '../model/index.ts';
import { fixedVulnerabilities } from './vulnerabilities.ts';

const rec = (r: Partial<OsvRecord> & { id: string }): OsvRecord => ({ modified: '2023-01-01T00:00:00Z', ...r });
const deb = [{ package: { ecosystem: 'Debian:11', name: 'openssl' } }];
const alma = [{ package: { ecosystem: 'AlmaLinux:9', name: 'bcel' } }];

test('a DSA/DLA: its upstream CVEs, in order, without duplicates or itself', () => {
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'DSA-5103-1', upstream: ['CVE-2021-4160', 'CVE-2022-0778', 'CVE-2021-4160'], related: ['DSA-5102-1'], affected: deb })), ['CVE-2021-4160', 'CVE-2022-0778']);
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'DEBIAN-CVE-2022-0778', upstream: ['CVE-2022-0778'], affected: deb })), ['CVE-2022-0778']);
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'ALPINE-XSA-248', upstream: ['XSA-248'] })), ['XSA-248']);
  // a regression update without CVEs is its own vulnerability
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'DSA-5356-2', related: ['DSA-5356-1'], affected: deb })), []);
});

test('an AlmaLinux erratum: the CVEs in related (its only list of fixed CVEs)', () => {
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'ALSA-2023:0005', related: ['CVE-2022-42920', 'RHBA-2023:1'], affected: alma })), ['CVE-2022-42920']);
  // upstream wins when there is one
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'ALSA-2023:1', upstream: ['CVE-2023-1'], related: ['CVE-2023-2'], affected: alma })), ['CVE-2023-1']);
});

test('related means "related but different" elsewhere; aliases are the same vulnerability; MAL never splits', () => {
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'GO-2022-0001', aliases: ['CVE-2022-1'], related: ['CVE-2022-2'], affected: [{ package: { ecosystem: 'Go', name: 'x' } }] })), []);
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'ALSA-2023:2', related: ['CVE-2023-2'], affected: [...alma, ...deb] })), [], 'not every entry AlmaLinux');
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'GHSA-xxxx-yyyy-zzzz', aliases: ['CVE-2023-3'] })), []);
  assert.deepEqual(fixedVulnerabilities(rec({ id: 'MAL-2025-1', upstream: ['CVE-2025-1'] })), []);
});
