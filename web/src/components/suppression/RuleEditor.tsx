/**
 * Create or edit a suppression rule: a control for every criterion of suppressionCriteriaSchema,
 * a live preview of the open findings it would suppress (POST /v1/suppression-rules/preview,
 * nothing written), then POST (new) or PUT (edit); the caller shows what saving applied.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, ApiError, withQuery } from '../../api.ts';
import { describeCriteria, filtersFromCriteria } from './criteria.ts';
import { formatCount } from '../../format.ts';
import { useSession } from '../../session.tsx';
import { RESOURCE_TYPES, SEVERITIES, type Account, type SuppressionPreview, type SuppressionRule, type SuppressionRuleChange } from '../../types.ts';
import { ErrorMessage, SeverityBadge } from '../common.tsx';
import { criteriaFromForm, expiryIso, LIST_FIELDS, type RuleForm, type TriState } from './form.ts';

/** the value, once it has stopped changing for `ms` */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export interface RuleEditorProps {
  /** the rule being edited; absent for a new rule */
  rule?: SuppressionRule;
  initial: RuleForm;
  /** findings filters that could not become criteria (arriving from the explorer) */
  unmapped?: string[];
  onSaved: (change: SuppressionRuleChange, created: boolean) => void;
  onCancel: () => void;
}

export function RuleEditor({ rule, initial, unmapped = [], onSaved, onCancel }: RuleEditorProps) {
  const id = useId();
  const { isDelegatedAdmin } = useSession();
  const [form, setForm] = useState<RuleForm>(initial);
  const set = <K extends keyof RuleForm>(k: K, v: RuleForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const { criteria, problems } = useMemo(() => criteriaFromForm(form), [form]);
  const empty = Object.keys(criteria).length === 0;
  const accounts = useQuery({
    queryKey: ['accounts'],
    queryFn: ({ signal }) => api<{ items: Account[] }>('/v1/accounts', { signal }),
    enabled: isDelegatedAdmin && !rule,
  });

  // the preview follows the criteria as they are typed, once typing pauses
  const previewKey = useDebounced(JSON.stringify({ accountId: form.accountId || undefined, criteria }), 400);
  const previewBody = JSON.parse(previewKey) as { accountId?: string; criteria: object };
  const previewable = Object.keys(previewBody.criteria).length > 0 && problems.length === 0;
  const preview = useQuery({
    queryKey: ['suppression-preview', previewKey],
    queryFn: ({ signal }) => api<SuppressionPreview>('/v1/suppression-rules/preview', { method: 'POST', body: { ...previewBody, sample: 10 }, signal }),
    enabled: previewable,
    staleTime: 5_000,
    retry: false,
  });

  const save = useMutation({
    mutationFn: () => {
      const body = { name: form.name.trim(), reason: form.reason.trim(), criteria, expiresAt: expiryIso(form) };
      return rule
        ? api<SuppressionRuleChange>(`/v1/suppression-rules/${encodeURIComponent(rule.id)}`, { method: 'PUT', body })
        : api<SuppressionRuleChange>('/v1/suppression-rules', { method: 'POST', body: { ...body, ...(form.accountId ? { accountId: form.accountId } : {}) } });
    },
    onSuccess: (change) => onSaved(change, !rule),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!empty && problems.length === 0) save.mutate();
  };
  const toggle = <T extends string>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  const tri = (k: 'fixAvailable' | 'exploitAvailable', label: string, yes: string, no: string) => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      <select id={`${id}-${k}`} value={form[k]} onChange={(e) => set(k, e.target.value as TriState)}>
        <option value="">any</option>
        <option value="true">{yes}</option>
        <option value="false">{no}</option>
      </select>
    </div>
  );
  const explorer = filtersFromCriteria(criteria);

  return (
    <section className="card rule-editor" aria-labelledby={`${id}-title`}>
      <div className="card-header">
        <h2 id={`${id}-title`}>{rule ? `Edit rule “${rule.name}”` : 'New suppression rule'}</h2>
      </div>
      {unmapped.length ? (
        <p className="notice warn">
          Prefilled from the findings filter. A rule cannot express {unmapped.length === 1 ? 'this filter' : 'these filters'}, so {unmapped.length === 1 ? 'it is' : 'they are'} left out: <strong>{unmapped.join('; ')}</strong>. Check the preview.
        </p>
      ) : null}
      <div className="rule-editor-body">
        <form className="rule-form" onSubmit={submit} aria-describedby={`${id}-help`}>
          <p id={`${id}-help`} className="muted small">Every criterion given must hold; a list holds when any entry matches. Text is exact, or a pattern where <code>*</code> matches anything.</p>
          <fieldset>
            <legend>Rule</legend>
            <div className="field">
              <label htmlFor={`${id}-name`}>Name</label>
              <input id={`${id}-name`} required maxLength={200} value={form.name} onChange={(e) => set('name', e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-reason`}>Reason <span className="hint">why these findings need no action</span></label>
              <textarea id={`${id}-reason`} required maxLength={2000} rows={2} value={form.reason} onChange={(e) => set('reason', e.target.value)} />
            </div>
            <div className="field-row">
              <div className="field">
                <label htmlFor={`${id}-expires`}>Expires <span className="hint">your local time; empty: never</span></label>
                <input id={`${id}-expires`} type="datetime-local" value={form.expiresAt} onChange={(e) => set('expiresAt', e.target.value)} />
              </div>
              {isDelegatedAdmin && !rule ? (
                <div className="field">
                  <label htmlFor={`${id}-account`}>Account</label>
                  <select id={`${id}-account`} value={form.accountId} onChange={(e) => set('accountId', e.target.value)}>
                    <option value="">mine</option>
                    {accounts.data?.items.map((a) => <option key={a.id} value={a.id}>{a.name} ({a.id})</option>)}
                  </select>
                </div>
              ) : null}
            </div>
          </fieldset>
          <fieldset>
            <legend>Findings</legend>
            <div className="field">
              <span className="label" id={`${id}-sev`}>Severities</span>
              <div className="checks" role="group" aria-labelledby={`${id}-sev`}>
                {SEVERITIES.map((s) => (
                  <label key={s} className="check"><input type="checkbox" checked={form.severities.includes(s)} onChange={() => set('severities', toggle(form.severities, s))} /> {s}</label>
                ))}
              </div>
            </div>
            <div className="field-row">
              <div className="field">
                <label htmlFor={`${id}-smin`}>Minimum CVSS score</label>
                <input id={`${id}-smin`} type="number" min={0} max={10} step={0.1} value={form.scoreMin} onChange={(e) => set('scoreMin', e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor={`${id}-smax`}>Maximum CVSS score</label>
                <input id={`${id}-smax`} type="number" min={0} max={10} step={0.1} value={form.scoreMax} onChange={(e) => set('scoreMax', e.target.value)} />
              </div>
            </div>
            <div className="field-row">
              {tri('fixAvailable', 'Fix available', 'a fix is available', 'no fix available')}
              {tri('exploitAvailable', 'Known exploited', 'known exploited (KEV)', 'not known exploited')}
            </div>
            <ListField id={id} f={LIST_FIELDS[0]} value={form.lists.vulnerabilityIds} onChange={(v) => set('lists', { ...form.lists, vulnerabilityIds: v })} />
            <div className="field">
              <span className="label" id={`${id}-pk`}>Packages <span className="hint">any row matches; empty parts match anything</span></span>
              <div role="group" aria-labelledby={`${id}-pk`} className="package-rows">
                {form.packages.map((p, i) => (
                  <div className="package-row" key={i}>
                    <label className="visually-hidden" htmlFor={`${id}-pe${i}`}>Package {i + 1} ecosystem</label>
                    <input id={`${id}-pe${i}`} placeholder="ecosystem (npm, Debian…)" value={p.ecosystem} onChange={(e) => set('packages', form.packages.map((x, j) => (j === i ? { ...x, ecosystem: e.target.value } : x)))} />
                    <label className="visually-hidden" htmlFor={`${id}-pn${i}`}>Package {i + 1} name</label>
                    <input id={`${id}-pn${i}`} placeholder="name" value={p.name} onChange={(e) => set('packages', form.packages.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))} />
                    <label className="visually-hidden" htmlFor={`${id}-pv${i}`}>Package {i + 1} version</label>
                    <input id={`${id}-pv${i}`} placeholder="version (1.2.*)" value={p.version} onChange={(e) => set('packages', form.packages.map((x, j) => (j === i ? { ...x, version: e.target.value } : x)))} />
                    <button type="button" className="link" aria-label={`Remove package ${i + 1}`} onClick={() => set('packages', form.packages.filter((_, j) => j !== i))}>Remove</button>
                  </div>
                ))}
                <button type="button" onClick={() => set('packages', [...form.packages, { ecosystem: '', name: '', version: '' }])}>Add package</button>
              </div>
            </div>
            <ListField id={id} f={LIST_FIELDS[5]} value={form.lists.paths} onChange={(v) => set('lists', { ...form.lists, paths: v })} />
          </fieldset>
          <fieldset>
            <legend>Resources</legend>
            <div className="field">
              <span className="label" id={`${id}-rt`}>Resource types</span>
              <div className="checks" role="group" aria-labelledby={`${id}-rt`}>
                {RESOURCE_TYPES.map((t) => (
                  <label key={t} className="check"><input type="checkbox" checked={form.resourceTypes.includes(t)} onChange={() => set('resourceTypes', toggle(form.resourceTypes, t))} /> {t}</label>
                ))}
              </div>
            </div>
            {LIST_FIELDS.filter((f) => f.key !== 'vulnerabilityIds' && f.key !== 'paths' && (f.key !== 'accountIds' || isDelegatedAdmin || form.lists.accountIds)).map((f) => (
              <ListField key={f.key} id={id} f={f} value={form.lists[f.key]} onChange={(v) => set('lists', { ...form.lists, [f.key]: v })} />
            ))}
          </fieldset>
          {problems.map((p) => <div key={p} className="error" role="alert">{p}</div>)}
          {empty ? <p className="muted">Give at least one criterion (a rule that suppresses everything is not allowed).</p> : null}
          <SaveError error={save.error} />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={save.isPending || empty || problems.length > 0 || !form.name.trim() || !form.reason.trim()}>
              {save.isPending ? 'Saving…' : rule ? 'Save changes' : 'Create rule'}
            </button>
            <button type="button" onClick={onCancel}>Cancel</button>
          </div>
        </form>
        <aside className="rule-preview" aria-labelledby={`${id}-pv`}>
          <h3 id={`${id}-pv`}>Preview</h3>
          {empty ? <p className="muted">Choose criteria to see which active findings the rule would suppress.</p> : (
            <>
              <ul className="criteria-list">{describeCriteria(criteria).map((d) => <li key={d}>{d}</li>)}</ul>
              <div role="status" aria-live="polite">
                {!previewable ? null : preview.isFetching && !preview.data ? <p className="muted">Counting…</p> : preview.data ? (
                  <p className="preview-count">
                    {rule ? 'Would newly suppress' : 'Matches'} <strong>{formatCount(preview.data.matched)}</strong> active finding{preview.data.matched === 1 ? '' : 's'}
                    {rule ? <span className="muted small"> (findings this rule already suppresses are not counted)</span> : null}
                    {preview.isFetching ? <span className="muted small"> (updating…)</span> : null}
                  </p>
                ) : null}
              </div>
              <ErrorMessage error={preview.error} />
              {preview.data?.sample.length ? (
                <table className="compact full">
                  <caption className="visually-hidden">A sample of the matching findings</caption>
                  <thead><tr><th scope="col">Severity</th><th scope="col">Vulnerability</th><th scope="col">Package</th><th scope="col">Resource</th></tr></thead>
                  <tbody>
                    {preview.data.sample.map((s) => (
                      <tr key={s.id}>
                        <td><SeverityBadge severity={s.severity} /></td>
                        <td><Link to={`/findings/${encodeURIComponent(s.id)}`}>{s.vulnerabilityId}</Link>{s.status !== 'ACTIVE' ? <span className="muted small"> ({s.status.toLowerCase()})</span> : null}</td>
                        <td className="mono small">{s.package.name} {s.package.version}</td>
                        <td className="small wrap">{s.resource.name}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
              {preview.data && preview.data.sample.length < preview.data.matched ? <p className="muted small">Showing {preview.data.sample.length} of {formatCount(preview.data.matched)}.</p> : null}
              <p className="small">
                <Link to={withQuery('/findings', explorer.query)}>Open these filters in the findings explorer</Link>
                {explorer.unmapped.length ? <span className="muted"> (without {explorer.unmapped.join(', ')}: the explorer cannot filter on them)</span> : null}
              </p>
            </>
          )}
        </aside>
      </div>
    </section>
  );
}

function ListField({ id, f, value, onChange }: { id: string; f: (typeof LIST_FIELDS)[number]; value: string; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={`${id}-${f.key}`}>{f.label} <span className="hint">{f.hint}; one a line or comma-separated</span></label>
      <textarea id={`${id}-${f.key}`} rows={Math.min(4, Math.max(1, value.split('\n').length))} value={value} placeholder={f.placeholder} spellCheck={false} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

/** The server's refusal, with every field it names. */
function SaveError({ error }: { error: unknown }) {
  if (!error) return null;
  const issues = error instanceof ApiError ? (error.details as { issues?: { field?: string; message?: string }[] } | undefined)?.issues : undefined;
  return (
    <>
      <ErrorMessage error={error} />
      {issues && issues.length > 1 ? <ul className="issues">{issues.map((i, n) => <li key={n}><code>{i.field}</code>: {i.message}</li>)}</ul> : null}
    </>
  );
}
