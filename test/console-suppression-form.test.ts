/**
 * The console's suppression-rule editor (web/src/components/suppression): every criterion of
 * suppressionCriteriaSchema survives form → criteria → form, the criteria the form writes are
 * ones the API accepts, and the reverse mapping to findings filters says what it leaves out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suppressionCriteriaSchema } from '../src/findings/types.ts';
import { criteriaFromForm, emptyForm, expiryIso, formFromCriteria } from '../web/src/components/suppression/form.ts';
import { describeCriteria, filtersFromCriteria } from '../web/src/components/suppression/criteria.ts';
import { criteriaFromFilters } from '../web/src/criteria.ts';
import type { SuppressionCriteria } from '../web/src/types.ts';

const every: SuppressionCriteria = {
  severities: ['CRITICAL', 'LOW'],
  score: { min: 4, max: 8.9 },
  vulnerabilityIds: ['CVE-2021-44228', 'GHSA-*'],
  packages: [{ ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.*' }, { name: 'lodash' }],
  resourceTypes: ['image', 'rootfs'],
  resourceIds: ['res-1'],
  resourceNames: ['registry:5000/shop/*'],
  resourceTags: ['env=prod', 'latest'],
  accountIds: ['acc_member'],
  fixAvailable: false,
  exploitAvailable: true,
  layers: ['sha256:abc'],
  paths: ['/app/*.jar'],
};

test('every criterion of the schema has a control: criteria → form → criteria is the identity', () => {
  // the fixture names every field of the schema, so a new criterion without a control fails here
  assert.deepEqual(Object.keys(every).sort(), Object.keys(suppressionCriteriaSchema.shape).sort());
  const { criteria, problems } = criteriaFromForm(formFromCriteria(every));
  assert.deepEqual(problems, []);
  assert.deepEqual(criteria, every);
  assert.equal(suppressionCriteriaSchema.safeParse(criteria).success, true);
});

test('the form: lists split on lines and commas, empty rows and parts dropped, scores checked', () => {
  const f = emptyForm();
  f.lists.vulnerabilityIds = 'CVE-1, CVE-2\n\n CVE-3 ';
  f.packages = [{ ecosystem: '', name: '', version: '' }, { ecosystem: ' npm ', name: 'lodash', version: '' }];
  f.scoreMin = '7';
  f.scoreMax = '';
  assert.deepEqual(criteriaFromForm(f), { criteria: { vulnerabilityIds: ['CVE-1', 'CVE-2', 'CVE-3'], packages: [{ ecosystem: 'npm', name: 'lodash' }], score: { min: 7 } }, problems: [] });
  f.scoreMin = '11';
  assert.deepEqual(criteriaFromForm(f).problems, ['Minimum score must be a number from 0 to 10']);
  f.scoreMin = '9';
  f.scoreMax = '2';
  assert.deepEqual(criteriaFromForm(f).problems, ['Minimum score must not be above the maximum']);
  assert.deepEqual(criteriaFromForm(emptyForm()).criteria, {});
});

test('expiry: a local datetime becomes an instant; empty is never', () => {
  const f = emptyForm();
  assert.equal(expiryIso(f), null);
  f.expiresAt = '2027-06-30T18:00';
  assert.equal(expiryIso(f), new Date('2027-06-30T18:00').toISOString());
  const back = formFromCriteria({ severities: ['LOW'] }, { name: 'n', reason: 'r', accountId: 'a', expiresAt: expiryIso(f) });
  assert.equal(back.expiresAt, '2027-06-30T18:00');
});

test('criteria → findings filters: exact criteria map, patterns and what the API cannot filter are named', () => {
  assert.deepEqual(filtersFromCriteria({ severities: ['HIGH'], vulnerabilityIds: ['CVE-1'], packages: [{ ecosystem: 'npm', name: 'lodash' }], fixAvailable: true, score: { min: 7 } }),
    { query: { severity: ['HIGH'], vulnerabilityId: ['CVE-1'], packageName: 'lodash', packageEcosystem: 'npm', fixAvailable: 'YES', minScore: '7' }, unmapped: [] });
  const r = filtersFromCriteria(every);
  assert.deepEqual(r.unmapped, ['vulnerability patterns', 'resource name patterns', 'several packages', 'maximum score', 'file paths']);
  // and the explorer's direction inverts it where both can speak
  const q = { severity: ['HIGH', 'CRITICAL'], vulnerabilityId: ['CVE-1'], resourceType: ['image'], imageTag: ['latest'] };
  assert.deepEqual(filtersFromCriteria(criteriaFromFilters(q) as SuppressionCriteria).query, q);
});

test('criteria in words: one phrase per criterion', () => {
  assert.equal(describeCriteria(every).length, Object.keys(every).length);
  assert.deepEqual(describeCriteria({ severities: ['HIGH', 'CRITICAL'], packages: [{ ecosystem: 'npm', name: 'lodash', version: '4.*' }], fixAvailable: false }),
    ['severity HIGH or CRITICAL', 'package npm/lodash 4.*', 'no fix available']);
});
