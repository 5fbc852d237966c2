/**
 * The console's findings filter → suppression criteria mapping (web/src/criteria.ts): every result
 * must be valid for the server's criteria schema, and the filters a rule cannot carry are named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suppressionCriteriaSchema } from '../src/findings/types.ts';
import { criteriaFromFilters, filtersNotInCriteria, newRuleHref } from '../web/src/criteria.ts';

test('every mappable findings filter becomes its criterion, valid for the server', () => {
  const q = new URLSearchParams([
    ['severity', 'CRITICAL'], ['severity', 'HIGH'], ['vulnerabilityId', 'CVE-2024-1'], ['packageName', 'lodash'], ['packageEcosystem', 'npm'],
    ['resourceId', 'res-1'], ['resourceType', 'image'], ['repository', 'shop/web'], ['imageTag', 'latest'], ['layerDigest', 'sha256:ab'],
    ['accountId', 'acc-1'], ['exploitAvailable', 'true'], ['minScore', '7.5'], ['fixAvailable', 'YES'], ['sort', 'score'], ['cursor', 'x'],
  ]);
  const c = criteriaFromFilters(q);
  assert.deepEqual(c, {
    severities: ['CRITICAL', 'HIGH'], score: { min: 7.5 }, vulnerabilityIds: ['CVE-2024-1'], packages: [{ ecosystem: 'npm', name: 'lodash' }],
    resourceTypes: ['image'], resourceIds: ['res-1'], resourceNames: ['shop/web'], resourceTags: ['latest'], accountIds: ['acc-1'],
    layers: ['sha256:ab'], fixAvailable: true, exploitAvailable: true,
  });
  assert.deepEqual(suppressionCriteriaSchema.parse(c), c);
  assert.deepEqual(filtersNotInCriteria(q), []);
});

test('object queries, comma lists and name × ecosystem pairs', () => {
  const c = criteriaFromFilters({ severity: 'LOW,MEDIUM', packageName: ['a', 'b'], packageEcosystem: 'PyPI', fixAvailable: 'false', exploitAvailable: undefined });
  assert.deepEqual(c, { severities: ['LOW', 'MEDIUM'], packages: [{ ecosystem: 'PyPI', name: 'a' }, { ecosystem: 'PyPI', name: 'b' }], fixAvailable: false });
  assert.deepEqual(suppressionCriteriaSchema.parse(c), c);
  assert.deepEqual(criteriaFromFilters({ packageEcosystem: 'npm' }), { packages: [{ ecosystem: 'npm' }] });
});

test('filters a rule cannot express are named, never silently dropped; status and view state are not filters of a rule', () => {
  const q = { title: 'ssl', fixAvailable: 'PARTIAL', type: 'malicious', firstObservedFrom: '2025-01-01', updatedTo: '2025-02-01', status: 'ACTIVE', group: 'package', sort: 'updated' };
  assert.deepEqual(filtersNotInCriteria(q).sort(), ['firstObservedFrom', 'fixAvailable', 'title', 'type', 'updatedTo']);
  assert.deepEqual(criteriaFromFilters(q), {});
});

test('newRuleHref carries the filters under their findings names, without paging or view state', () => {
  const href = newRuleHref(new URLSearchParams('severity=HIGH&severity=CRITICAL&vulnerabilityId=CVE-1&cursor=abc&pages=x&group=layer&sort=score&status=ACTIVE'));
  assert.equal(href, '/suppression-rules?new=1&severity=HIGH&severity=CRITICAL&vulnerabilityId=CVE-1');
  const back = new URLSearchParams(href.split('?')[1]);
  assert.deepEqual(criteriaFromFilters(back), { severities: ['HIGH', 'CRITICAL'], vulnerabilityIds: ['CVE-1'] });
});
