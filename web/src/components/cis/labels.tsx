/**
 * Words and colours of CIS scans shared by the CIS pages: a schedule in words ("Daily at 02:00
 * Europe/Paris"), targets in words, check-result statuses (colour and label) and their counts as
 * coloured numbers and a stacked bar.
 */
import type { ReactNode } from 'react';
import { formatCount } from '../../format.ts';
import { CIS_CHECK_STATUSES, type CisCheckStatus, type CisCounts, type CisSchedule, type CisTargets, type CisWeekday } from '../../types.ts';

export const WEEKDAY_NAMES: Record<CisWeekday, string> = { MON: 'Monday', TUE: 'Tuesday', WED: 'Wednesday', THU: 'Thursday', FRI: 'Friday', SAT: 'Saturday', SUN: 'Sunday' };
export const LEVEL_NAMES = { LEVEL_1: 'Level 1', LEVEL_2: 'Level 2' } as const;

/** "One time", "Daily at 02:00 Europe/Paris", "Weekly on Monday, Thursday at …", "Monthly on the first Monday at …" */
export function scheduleText(s: CisSchedule): string {
  if ('oneTime' in s) return 'One time (at creation)';
  if ('daily' in s) return `Daily at ${s.daily.startTime.timeOfDay} ${s.daily.startTime.timezone}`;
  if ('weekly' in s) return `Weekly on ${s.weekly.days.map((d) => WEEKDAY_NAMES[d]).join(', ')} at ${s.weekly.startTime.timeOfDay} ${s.weekly.startTime.timezone}`;
  return `Monthly on the first ${WEEKDAY_NAMES[s.monthly.day]} at ${s.monthly.startTime.timeOfDay} ${s.monthly.startTime.timezone}`;
}

/** The tags a configuration targets: "env=prod|staging" per key. */
export function tagsText(t: CisTargets['resourceTags']): string[] {
  return Object.entries(t ?? {}).map(([k, vs]) => `${k}=${vs.join(' | ')}`);
}

/** colours and labels of check results (styles.css .cis-<status> has the same colours) */
export const CHECK_STATUS: Record<CisCheckStatus, { label: string; color: string; count: keyof CisCounts }> = {
  PASS: { label: 'Passed', color: '#166534', count: 'passed' },
  FAIL: { label: 'Failed', color: '#b91c1c', count: 'failed' },
  NOT_APPLICABLE: { label: 'Skipped (not applicable)', color: '#64748b', count: 'skipped' },
  ERROR: { label: 'Errors', color: '#92400e', count: 'errors' },
  MANUAL: { label: 'Manual', color: '#1d4ed8', count: 'manual' },
};

export function CheckStatus({ status }: { status: CisCheckStatus | string }) {
  return <span className={`cis-status cis-${status.toLowerCase()}`}>{status}</span>;
}

/** Counts by check status, from a scan's or a target's counts (passed, failed, …). */
export function byStatus(c: CisCounts): Record<CisCheckStatus, number> {
  return Object.fromEntries(CIS_CHECK_STATUSES.map((s) => [s, c[CHECK_STATUS[s].count]])) as Record<CisCheckStatus, number>;
}

/** passed / (passed + failed), as the API's trend computes it */
export function passRate(c: { passed: number; failed: number }): string {
  const d = c.passed + c.failed;
  // rounded to a tenth as GET /v1/cis/trend rounds it ("64%", "65.8%")
  return d ? `${Math.round((1000 * c.passed) / d) / 10}%` : '—';
}

/** The counts as coloured numbers ("12 passed · 3 failed …"), zeros left out unless all are. */
export function StatusCounts({ counts, compact }: { counts: Record<CisCheckStatus, number>; compact?: boolean }) {
  const present = CIS_CHECK_STATUSES.filter((s) => counts[s]);
  if (!present.length) return <span className="muted">none</span>;
  return (
    <span className="cis-counts">
      {present.map((s, i): ReactNode => (
        <span key={s} className={`cis-${s.toLowerCase()}`} title={CHECK_STATUS[s].label}>
          {i ? <span aria-hidden="true" className="muted"> · </span> : null}
          {formatCount(counts[s])} {compact ? s.toLowerCase().replace('_', ' ') : CHECK_STATUS[s].label.toLowerCase()}
        </span>
      ))}
    </span>
  );
}

/** A stacked bar of the counts (decoration: the numbers are next to it). */
export function StatusBar({ counts }: { counts: Record<CisCheckStatus, number> }) {
  const total = CIS_CHECK_STATUSES.reduce((n, s) => n + counts[s], 0);
  if (!total) return null;
  return (
    <span className="cis-bar" aria-hidden="true">
      {CIS_CHECK_STATUSES.filter((s) => counts[s]).map((s) => (
        <span key={s} style={{ width: `${(100 * counts[s]) / total}%`, background: CHECK_STATUS[s].color }} />
      ))}
    </span>
  );
}

/** why a target was SKIPPED or FAILED (the API's reasons) */
export const TARGET_REASONS: Record<string, string> = {
  UNSUPPORTED_OS: 'no benchmark for its operating system',
  NO_AGENT_RESULT: 'its agent has sent no CIS assessment',
  STALE_AGENT_RESULT: 'its agent\'s last assessment is too old',
  UNREACHABLE: 'it could not be reached',
  SCAN_FAILED: 'the assessment failed',
  ACCOUNT_DISABLED: 'its account is disabled',
  RESOURCE_GONE: 'the resource is gone',
};

export function TargetStatus({ status, reason, message }: { status: string; reason?: string | null; message?: string | null }) {
  const cls = status === 'COMPLETED' ? 'status-ok' : status === 'FAILED' ? 'status-bad' : status === 'SKIPPED' || status === 'CANCELLED' ? 'status-warn' : 'muted';
  return (
    <span>
      <span className={cls}>{status}</span>
      {reason ? <div className="small"><span className="mono">{reason}</span>{TARGET_REASONS[reason] ? <span className="muted">: {TARGET_REASONS[reason]}</span> : null}</div> : null}
      {message ? <div className="muted small cis-message" title={message}>{message}</div> : null}
    </span>
  );
}

export function ScanStatus({ status }: { status: string }) {
  return <span className={status === 'COMPLETED' ? 'status-ok' : status === 'CANCELLED' ? 'status-warn' : 'status-progress'}>{status.replace('_', ' ')}</span>;
}
