/**
 * The form of a CIS scan configuration (create, or edit an existing one): name, level, schedule
 * (kind; time of day and IANA time zone; weekdays or the monthly weekday), target accounts (the
 * caller's visible accounts, GET /v1/accounts), resource tags (key=value lines) and resource types.
 * It sends POST /v1/cis/scan-configurations or PATCH …/{id}; the server's refusal (naming the
 * field and rule) is shown as it words it.
 */
import { useQuery } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { useWhoAmI } from '../../session.tsx';
import { CIS_RESOURCE_TYPES, CIS_WEEKDAYS, type Account, type CisConfig, type CisConfigInput, type CisLevel, type CisResourceType, type CisSchedule, type CisWeekday } from '../../types.ts';
import { Card, ErrorMessage } from '../common.tsx';
import { LEVEL_NAMES, WEEKDAY_NAMES } from './labels.tsx';

type Kind = 'oneTime' | 'daily' | 'weekly' | 'monthly';
const KIND_NAMES: Record<Kind, string> = { oneTime: 'One time (runs once, now)', daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly (first weekday of the month)' };
const TYPE_NAMES: Record<CisResourceType, string> = { host: 'Hosts (SSH and agent hosts)', rootfs: 'Root filesystems', image: 'Container images' };
const DEFAULT_TYPES: CisResourceType[] = ['host', 'rootfs'];

/** every IANA zone the browser knows, UTC first */
export function timeZones(): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** "env=prod" lines → {env: ["prod"]}; the same key twice gives it several values. Errors name the line. */
export function parseTagLines(text: string): { tags: Record<string, string[]>; error?: string } {
  const tags: Record<string, string[]> = {};
  const lines = text.split('\n').map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l) continue;
    const eq = l.indexOf('=');
    if (eq <= 0) return { tags, error: `line ${i + 1} ("${l}"): write key=value` };
    const k = l.slice(0, eq).trim();
    const v = l.slice(eq + 1).trim();
    const vs = (tags[k] ??= []);
    if (!vs.includes(v)) vs.push(v);
  }
  return { tags };
}

/** A time of day and an IANA time zone (a schedule's startTime), side by side. */
export function StartTimeFields({ idPrefix, time, setTime, zone, setZone }: { idPrefix: string; time: string; setTime: (t: string) => void; zone: string; setZone: (z: string) => void }) {
  const zones = useMemo(timeZones, []);
  return (
    <div className="cis-time">
      <div>
        <label htmlFor={`${idPrefix}-time`}>Time of day</label>
        <input id={`${idPrefix}-time`} type="time" required value={time} onChange={(e) => setTime(e.target.value.slice(0, 5))} />
      </div>
      <div>
        <label htmlFor={`${idPrefix}-zone`}>Time zone</label>
        <select id={`${idPrefix}-zone`} value={zone} onChange={(e) => setZone(e.target.value)}>
          {(zones.includes(zone) ? zones : [zone, ...zones]).map((z) => <option key={z} value={z}>{z}</option>)}
        </select>
      </div>
    </div>
  );
}

/** {env: [prod, staging]} → "env=prod\nenv=staging" (parseTagLines's input) */
export const tagLines = (t: Record<string, string[]> | undefined) => Object.entries(t ?? {}).flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`)).join('\n');

export function ConfigForm({ existing, onSaved, onCancel }: { existing?: CisConfig; onSaved: (c: CisConfig) => void; onCancel?: () => void }) {
  const who = useWhoAmI();
  const ids = useId();
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: ({ signal }) => api<{ items: Account[] }>('/v1/accounts', { signal }), staleTime: 60_000 });
  const s = existing?.schedule;
  const start = s && !('oneTime' in s) ? ('daily' in s ? s.daily : 'weekly' in s ? s.weekly : s.monthly).startTime : undefined;

  const [name, setName] = useState(existing?.name ?? '');
  const [level, setLevel] = useState<CisLevel>(existing?.securityLevel ?? 'LEVEL_1');
  const [kind, setKind] = useState<Kind>(s ? (Object.keys(s)[0] as Kind) : 'daily');
  const [time, setTime] = useState(start?.timeOfDay ?? '02:00');
  const [zone, setZone] = useState(start?.timezone ?? browserZone());
  const [days, setDays] = useState<CisWeekday[]>(s && 'weekly' in s ? s.weekly.days : ['MON']);
  const [monthDay, setMonthDay] = useState<CisWeekday>(s && 'monthly' in s ? s.monthly.day : 'MON');
  const [accountIds, setAccountIds] = useState<string[]>(existing?.targets.accountIds ?? [who.account.id]);
  const [tagsText, setTagsText] = useState(tagLines(existing?.targets.resourceTags));
  const [types, setTypes] = useState<CisResourceType[]>(existing?.targets.resourceTypes ?? DEFAULT_TYPES);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const parsed = parseTagLines(tagsText);
  const problems = [
    !name.trim() ? 'a name' : null,
    kind === 'weekly' && days.length === 0 ? 'at least one weekday' : null,
    accountIds.length === 0 ? 'at least one account' : null,
    types.length === 0 ? 'at least one resource type' : null,
  ].filter(Boolean) as string[];

  const toggle = <T,>(list: T[], x: T, on: boolean): T[] => (on ? [...list.filter((y) => y !== x), x] : list.filter((y) => y !== x));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (problems.length || parsed.error) return;
    const startTime = { timeOfDay: time, timezone: zone };
    const schedule: CisSchedule = kind === 'oneTime' ? { oneTime: {} }
      : kind === 'daily' ? { daily: { startTime } }
        : kind === 'weekly' ? { weekly: { days: CIS_WEEKDAYS.filter((d) => days.includes(d)), startTime } }
          : { monthly: { day: monthDay, startTime } };
    const body: CisConfigInput = {
      name: name.trim(), securityLevel: level, schedule,
      targets: {
        accountIds,
        ...(Object.keys(parsed.tags).length ? { resourceTags: parsed.tags } : {}),
        resourceTypes: CIS_RESOURCE_TYPES.filter((t) => types.includes(t)),
      },
    };
    setBusy(true);
    setError(null);
    try {
      const saved = existing
        ? await api<CisConfig>(`/v1/cis/scan-configurations/${encodeURIComponent(existing.id)}`, { method: 'PATCH', body })
        : await api<CisConfig>('/v1/cis/scan-configurations', { method: 'POST', body });
      onSaved(saved);
      if (!existing) {
        setName('');
        setTagsText('');
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = existing ? `Edit ${existing.name}` : 'New scan configuration';
  const acctItems = accounts.data?.items ?? [];
  return (
    <Card title={title} className="finding-card">
      <form className="stacked cis-form" aria-label={title} onSubmit={submit}>
        <label htmlFor={`${ids}-name`}>Name</label>
        <input id={`${ids}-name`} value={name} maxLength={128} required onChange={(e) => setName(e.target.value)} />

        <label htmlFor={`${ids}-level`}>Benchmark level <span className="hint">Level 2 includes Level 1</span></label>
        <select id={`${ids}-level`} value={level} onChange={(e) => setLevel(e.target.value as CisLevel)}>
          {(['LEVEL_1', 'LEVEL_2'] as const).map((l) => <option key={l} value={l}>{LEVEL_NAMES[l]}</option>)}
        </select>

        <fieldset>
          <legend>Schedule</legend>
          <label htmlFor={`${ids}-kind`}>Runs</label>
          <select id={`${ids}-kind`} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {(Object.keys(KIND_NAMES) as Kind[]).map((k) => <option key={k} value={k}>{KIND_NAMES[k]}</option>)}
          </select>
          {kind !== 'oneTime' ? (
            <StartTimeFields idPrefix={ids} time={time} setTime={setTime} zone={zone} setZone={setZone} />
          ) : null}
          {kind === 'weekly' ? (
            <fieldset className="cis-days">
              <legend>On</legend>
              {CIS_WEEKDAYS.map((d) => (
                <label key={d} className="check"><input type="checkbox" checked={days.includes(d)} onChange={(e) => setDays(toggle(days, d, e.target.checked))} /> {WEEKDAY_NAMES[d]}</label>
              ))}
            </fieldset>
          ) : null}
          {kind === 'monthly' ? (
            <>
              <label htmlFor={`${ids}-mday`}>On the first</label>
              <select id={`${ids}-mday`} value={monthDay} onChange={(e) => setMonthDay(e.target.value as CisWeekday)}>
                {CIS_WEEKDAYS.map((d) => <option key={d} value={d}>{WEEKDAY_NAMES[d]}</option>)}
              </select>
            </>
          ) : null}
        </fieldset>

        <fieldset>
          <legend>Accounts</legend>
          {accounts.isPending ? <p className="muted small">Loading the accounts…</p> : null}
          <ErrorMessage error={accounts.error} />
          {acctItems.map((a) => (
            <label key={a.id} className="check">
              <input type="checkbox" checked={accountIds.includes(a.id)} onChange={(e) => setAccountIds(toggle(accountIds, a.id, e.target.checked))} />
              {' '}{a.name}{a.isDelegatedAdmin ? ' (delegated admin)' : ''}{a.status === 'DISABLED' ? ' — disabled' : ''}
            </label>
          ))}
        </fieldset>

        <label htmlFor={`${ids}-tags`}>
          Resource tags <span className="hint">one key=value a line; a resource must have every key, with one of its values. Empty: every resource.</span>
        </label>
        <textarea id={`${ids}-tags`} rows={3} className="mono" value={tagsText} placeholder="e.g. env=prod" onChange={(e) => setTagsText(e.target.value)} aria-invalid={Boolean(parsed.error)} />
        {parsed.error ? <p className="field-error">{parsed.error}</p> : null}

        <fieldset>
          <legend>Resource types</legend>
          {CIS_RESOURCE_TYPES.map((t) => (
            <label key={t} className="check"><input type="checkbox" checked={types.includes(t)} onChange={(e) => setTypes(toggle(types, t, e.target.checked))} /> {TYPE_NAMES[t]}</label>
          ))}
        </fieldset>

        {problems.length ? <p className="muted small">Still needed: {problems.join(', ')}.</p> : null}
        <ErrorMessage error={error} />
        <div className="form-actions">
          {onCancel ? <button type="button" onClick={onCancel} disabled={busy}>Cancel</button> : null}
          <button type="submit" className="primary" disabled={busy || problems.length > 0 || Boolean(parsed.error)}>
            {busy ? 'Saving…' : existing ? 'Save changes' : kind === 'oneTime' ? 'Create and run' : 'Create configuration'}
          </button>
        </div>
      </form>
    </Card>
  );
}
