/**
 * When a CIS scan configuration runs (Inspector's CIS scan schedules): once (at creation), daily,
 * weekly on some days, or monthly on the first given weekday of the month — each at a time of day
 * in an IANA time zone. Pure: `nextRun(schedule, after)` is the first run strictly after `after`.
 *
 * Local times that do not exist (a spring-forward gap: 02:30 on the day clocks jump from 02:00
 * to 03:00) run at the same wall-clock distance after the gap (03:30), and a time that occurs
 * twice (the fall-back hour) runs at its first occurrence.
 */
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const StartTime = z.strictObject({
  timeOfDay: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour (00:00–23:59)').describe('local time of day, HH:MM'),
  timezone: z.string().min(1).max(64).refine((tz) => IANAZone.isValidZone(tz), 'an IANA time zone name, e.g. "UTC", "Europe/Paris", "America/New_York"').describe('IANA time zone'),
});

export const Schedule = z.union([
  z.strictObject({ oneTime: z.strictObject({}).describe('runs once, right after the configuration is created') }),
  z.strictObject({ daily: z.strictObject({ startTime: StartTime }) }),
  z.strictObject({ weekly: z.strictObject({ days: z.array(z.enum(WEEKDAYS)).min(1).max(7).describe('days of the week it runs'), startTime: StartTime }) }),
  z.strictObject({ monthly: z.strictObject({ day: z.enum(WEEKDAYS).describe('it runs on the first such weekday of each month'), startTime: StartTime }) }),
]).describe('exactly one of oneTime, daily, weekly, monthly');
export type Schedule = z.infer<typeof Schedule>;

export const scheduleKind = (s: Schedule): 'oneTime' | 'daily' | 'weekly' | 'monthly' => Object.keys(s)[0] as never;

/**
 * The first run strictly after `after`, or null for a one-time schedule that has run (`ranOnce`).
 * A one-time schedule that has not run runs at `after` itself (now).
 */
export function nextRun(s: Schedule, after: Date, ranOnce = false): Date | null {
  if ('oneTime' in s) return ranOnce ? null : after;
  const spec = 'daily' in s ? s.daily : 'weekly' in s ? s.weekly : s.monthly;
  const [hour, minute] = spec.startTime.timeOfDay.split(':').map(Number);
  const zone = spec.startTime.timezone;
  const from = DateTime.fromJSDate(after, { zone });
  const matches = (d: DateTime): boolean => {
    const wd = WEEKDAYS[d.weekday - 1];
    if ('daily' in s) return true;
    if ('weekly' in s) return s.weekly.days.includes(wd);
    return wd === s.monthly.day && d.day <= 7; // the first such weekday of its month
  };
  // the local day of `after` and onwards: 40 days hold every weekly and monthly occurrence
  for (let i = 0; i < 40; i++) {
    const day = from.startOf('day').plus({ days: i });
    if (!matches(day)) continue;
    let at = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone });
    // a wall-clock time that happens twice (the fall-back hour): its first occurrence
    const earlier = at.minus({ hours: 1 });
    if (earlier.hour === at.hour && earlier.minute === at.minute && earlier.day === at.day) at = earlier;
    if (at.toMillis() > after.getTime()) return at.toJSDate();
  }
  /* c8 ignore next */
  throw new Error('no run within 40 days: unreachable for a valid schedule');
}
