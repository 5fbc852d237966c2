import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvRecord } from '../../../model/index.ts';
import { collect } from '../testutil.ts';
import { dayToIso, emitRecord, isRfc3339, timestampToIso } from './common.ts';

test('dates: RFC 3339 in UTC; years below 100 are not read as 19xx', () => {
  assert.equal(dayToIso('2019-03-13'), '2019-03-13T00:00:00Z');
  assert.equal(dayToIso('0001-01-01'), '0001-01-01T00:00:00Z');
  assert.equal(dayToIso('2019-02-30'), undefined);
  assert.equal(timestampToIso('2019-01-05 12:00:00 +0100'), '2019-01-05T11:00:00Z');
  assert.equal(timestampToIso('2015-07-24 0:41:41'), '2015-07-24T00:41:41Z');
  assert.equal(timestampToIso('0000-01-01 00:30 +0100'), undefined, 'an offset cannot push the year out of 4 digits');
  assert.ok(isRfc3339('2019-01-05T11:00:00Z'));
  assert.ok(isRfc3339('2019-01-05T11:00:00.5+01:00'));
  assert.ok(!isRfc3339('2019-01-05T11:00:00'), 'a zone is required');
  assert.ok(!isRfc3339('2019-1-5T11:00:00Z'));
  assert.ok(!isRfc3339('2019-05-21T22:01:24T+0800Z'));
});

test('emitRecord: drops an alias equal to the id; refuses a bad modified or id', () => {
  const base: OsvRecord = { id: 'RUBYSEC-x-1', modified: '2020-01-01T00:00:00Z' };
  const out = collect();
  emitRecord(out, 'a', { ...base, aliases: ['RUBYSEC-x-1', 'CVE-2020-1'] });
  emitRecord(out, 'b', { ...base, aliases: ['RUBYSEC-x-1'] });
  emitRecord(out, 'c', { ...base, modified: '2020-01-01' });
  emitRecord(out, 'd', { ...base, id: 'FOP-a/b/c' });
  emitRecord(out, 'e', { ...base, published: '2020-01-01 00:00' });
  assert.deepEqual(out.records.map((r) => r.aliases), [['CVE-2020-1'], undefined]);
  assert.deepEqual(out.errors.map((e) => `${e.input} ${e.rule}`), ['c invalid-record', 'd invalid-record', 'e invalid-record']);
  assert.match(out.errors[0].message, /modified "2020-01-01" is not an RFC 3339 date-time/);
});
