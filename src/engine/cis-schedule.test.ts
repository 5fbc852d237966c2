import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRun, Schedule } from './cis-schedule.ts';

const at = (s: string) => new Date(s);
const iso = (d: Date | null) => d?.toISOString() ?? null;

test('one time: now, then never', () => {
  const s = Schedule.parse({ oneTime: {} });
  assert.equal(iso(nextRun(s, at('2026-12-06T10:00:00Z'))), '2026-12-06T10:00:00.000Z');
  assert.equal(nextRun(s, at('2026-12-06T10:00:00Z'), true), null);
});

test('daily in a time zone: today if still ahead, else tomorrow', () => {
  const s = Schedule.parse({ daily: { startTime: { timeOfDay: '02:30', timezone: 'Europe/Paris' } } });
  // 2026-12-06 01:00 UTC is 02:00 in Paris (UTC+1): 02:30 Paris is still ahead, 01:30 UTC
  assert.equal(iso(nextRun(s, at('2026-12-06T01:00:00Z'))), '2026-12-06T01:30:00.000Z');
  assert.equal(iso(nextRun(s, at('2026-12-06T01:30:00Z'))), '2026-12-07T01:30:00.000Z');
  // in summer Paris is UTC+2
  assert.equal(iso(nextRun(s, at('2026-07-01T12:00:00Z'))), '2026-07-02T00:30:00.000Z');
});

test('daily across daylight saving changes (spring gap moves forward, fall overlap takes the first)', () => {
  const s = Schedule.parse({ daily: { startTime: { timeOfDay: '02:30', timezone: 'America/New_York' } } });
  // 2026-03-08: clocks jump 02:00 → 03:00 in New York; 02:30 does not exist → 03:30 EDT = 07:30 UTC
  assert.equal(iso(nextRun(s, at('2026-03-08T05:00:00Z'))), '2026-03-08T07:30:00.000Z');
  // 2026-11-01: 01:00–02:00 happens twice; 02:30 happens once (EST) = 07:30 UTC
  assert.equal(iso(nextRun(s, at('2026-11-01T04:00:00Z'))), '2026-11-01T07:30:00.000Z');
  const early = Schedule.parse({ daily: { startTime: { timeOfDay: '01:30', timezone: 'America/New_York' } } });
  // 01:30 twice on 2026-11-01: the first, EDT (UTC-4) = 05:30 UTC
  assert.equal(iso(nextRun(early, at('2026-11-01T04:00:00Z'))), '2026-11-01T05:30:00.000Z');
});

test('weekly on given days', () => {
  const s = Schedule.parse({ weekly: { days: ['MON', 'THU'], startTime: { timeOfDay: '23:00', timezone: 'UTC' } } });
  // 2026-12-06 is a Sunday
  assert.equal(iso(nextRun(s, at('2026-12-06T12:00:00Z'))), '2026-12-07T23:00:00.000Z');
  assert.equal(iso(nextRun(s, at('2026-12-07T23:00:00Z'))), '2026-12-10T23:00:00.000Z');
  // a time zone east of UTC: Monday 08:00 in Tokyo is Sunday 23:00 UTC
  const tokyo = Schedule.parse({ weekly: { days: ['MON'], startTime: { timeOfDay: '08:00', timezone: 'Asia/Tokyo' } } });
  assert.equal(iso(nextRun(tokyo, at('2026-12-06T12:00:00Z'))), '2026-12-06T23:00:00.000Z');
});

test('monthly on the first given weekday', () => {
  const s = Schedule.parse({ monthly: { day: 'TUE', startTime: { timeOfDay: '06:00', timezone: 'UTC' } } });
  // December 2026: the first Tuesday is the 1st (past on the 6th) → January 2027's first Tuesday, the 5th
  assert.equal(iso(nextRun(s, at('2026-12-06T00:00:00Z'))), '2027-01-05T06:00:00.000Z');
  assert.equal(iso(nextRun(s, at('2026-11-30T00:00:00Z'))), '2026-12-01T06:00:00.000Z');
});

test('bad schedules are refused naming the field', () => {
  const r1 = Schedule.safeParse({ daily: { startTime: { timeOfDay: '24:00', timezone: 'UTC' } } });
  assert.equal(r1.success, false);
  const r2 = Schedule.safeParse({ daily: { startTime: { timeOfDay: '10:00', timezone: 'Mars/Olympus' } } });
  assert.equal(r2.success, false);
  assert.match(JSON.stringify(r2.error?.issues), /IANA/);
  assert.equal(Schedule.safeParse({ daily: { startTime: { timeOfDay: '10:00', timezone: 'UTC' } }, weekly: { days: ['MON'], startTime: { timeOfDay: '10:00', timezone: 'UTC' } } }).success, false);
  assert.equal(Schedule.safeParse({ weekly: { days: [], startTime: { timeOfDay: '10:00', timezone: 'UTC' } } }).success, false);
  assert.equal(Schedule.safeParse({ monthly: { day: 'FUNDAY', startTime: { timeOfDay: '10:00', timezone: 'UTC' } } }).success, false);
});
