/**
 * The form of a scheduled report (a digest): name, daily or weekly (days, local time, IANA time
 * zone), e-mail recipients (one a line) and/or one of the account's webhook destinations, enabled.
 * POST /v1/report-schedules or PATCH …/{id}; the server's refusal under the field it names.
 */
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { CIS_WEEKDAYS, type CisWeekday, type DigestSchedule, type EventDestination, type ReportSchedule } from '../../types.ts';
import { browserZone, StartTimeFields } from '../cis/ConfigForm.tsx';
import { WEEKDAY_NAMES } from '../cis/labels.tsx';
import { Card } from '../common.tsx';
import { fieldErrors } from './fields.tsx';

const FIELDS = ['schedule', 'recipients', 'destinationId', 'name', 'enabled'] as const;
const toggle = <T,>(xs: readonly T[], x: T, on: boolean): T[] => (on ? [...xs.filter((y) => y !== x), x] : xs.filter((y) => y !== x));

export function ScheduleForm({ existing, webhooks, onSaved, onCancel }: { existing?: ReportSchedule; webhooks: EventDestination[]; onSaved: (s: ReportSchedule) => void; onCancel: () => void }) {
  const ids = useId();
  const s = existing?.schedule;
  const start = s ? ('daily' in s ? s.daily.startTime : s.weekly.startTime) : undefined;
  const [name, setName] = useState(existing?.name ?? '');
  const [kind, setKind] = useState<'daily' | 'weekly'>(s && 'weekly' in s ? 'weekly' : 'daily');
  const [days, setDays] = useState<CisWeekday[]>(s && 'weekly' in s ? s.weekly.days : ['MON']);
  const [time, setTime] = useState(start?.timeOfDay ?? '08:00');
  const [zone, setZone] = useState(start?.timezone ?? browserZone());
  const [recipients, setRecipients] = useState((existing?.recipients ?? []).join('\n'));
  const [destinationId, setDestinationId] = useState(existing?.destinationId ?? '');
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fe = fieldErrors(error, FIELDS);
  const aria = (f: string) => ({ 'aria-invalid': fe.invalid(f) || undefined, 'aria-describedby': fe.invalid(f) ? `${ids}-${f}-err` : undefined });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const startTime = { timeOfDay: time, timezone: zone };
    const schedule: DigestSchedule = kind === 'daily' ? { daily: { startTime } } : { weekly: { days: CIS_WEEKDAYS.filter((d) => days.includes(d)), startTime } };
    const list = recipients.split(/[\s,;]+/).map((r) => r.trim()).filter(Boolean);
    const body = existing
      ? { name: name.trim(), schedule, recipients: list, destinationId: destinationId || null, enabled }
      : { name: name.trim(), schedule, recipients: list, ...(destinationId ? { destinationId } : {}), enabled };
    setBusy(true);
    setError(null);
    try {
      onSaved(existing
        ? await api<ReportSchedule>(`/v1/report-schedules/${encodeURIComponent(existing.id)}`, { method: 'PATCH', body })
        : await api<ReportSchedule>('/v1/report-schedules', { method: 'POST', body }));
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };
  const title = existing ? `Edit ${existing.name}` : 'New scheduled report';
  return (
    <Card title={title} className="finding-card">
      <form className="stacked" aria-label={title} onSubmit={submit} noValidate>
        <label htmlFor={`${ids}-name`}>Name</label>
        <input id={`${ids}-name`} value={name} required maxLength={128} onChange={(e) => setName(e.target.value)} {...aria('name')} />
        {fe.at('name', `${ids}-name-err`)}
        <fieldset>
          <legend>When</legend>
          <label htmlFor={`${ids}-kind`}>Sent</label>
          <select id={`${ids}-kind`} value={kind} onChange={(e) => setKind(e.target.value as 'daily' | 'weekly')}>
            <option value="daily">Daily</option>
            <option value="weekly">Weekly</option>
          </select>
          {kind === 'weekly' ? (
            <fieldset className="check-row">
              <legend>On</legend>
              {CIS_WEEKDAYS.map((d) => <label key={d} className="check"><input type="checkbox" checked={days.includes(d)} onChange={(e) => setDays(toggle(days, d, e.target.checked))} /> {WEEKDAY_NAMES[d]}</label>)}
            </fieldset>
          ) : null}
          <StartTimeFields idPrefix={ids} time={time} setTime={setTime} zone={zone} setZone={setZone} />
          {fe.at('schedule')}
        </fieldset>
        <label htmlFor={`${ids}-recipients`}>E-mail recipients <span className="hint">one address a line; sent as HTML e-mail over the server's SMTP settings</span></label>
        <textarea id={`${ids}-recipients`} rows={3} className="mono" value={recipients} placeholder="secops@example.com" onChange={(e) => setRecipients(e.target.value)} {...aria('recipients')} />
        {fe.at('recipients', `${ids}-recipients-err`)}
        <label htmlFor={`${ids}-dest`}>Webhook <span className="hint">the digest is POSTed as JSON to one of the account's webhook destinations, signed like events</span></label>
        <select id={`${ids}-dest`} value={destinationId} onChange={(e) => setDestinationId(e.target.value)} {...aria('destinationId')}>
          <option value="">none</option>
          {webhooks.map((d) => <option key={d.id} value={d.id}>{d.name} ({d.url})</option>)}
        </select>
        {fe.at('destinationId', `${ids}-destinationId-err`)}
        <label className="check"><input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled (sent on schedule)</label>
        {fe.rest}
        <div className="form-actions">
          <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
          <button type="submit" className="primary" disabled={busy || (kind === 'weekly' && days.length === 0)}>{busy ? 'Saving…' : existing ? 'Save changes' : 'Create scheduled report'}</button>
        </div>
      </form>
    </Card>
  );
}
