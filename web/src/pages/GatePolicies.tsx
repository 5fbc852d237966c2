/**
 * Gate policies (issue 19): the account's policies (mode, failure policy, unknown images, rules,
 * the admission webhook's path), a YAML editor (create `?new=1`, edit `?edit=<name>`) whose
 * validation errors are shown at their line and field, delete; a new policy's admission token is
 * shown once. "Check an image" asks the registry gate (`?image=…&policy=…` in the URL) for the
 * verdict, its reasons and exemptions. The same engine answers admission reviews and `vigil gate`.
 * Calls: GET /v1/gate/policies, PUT/DELETE /v1/gate/policies/{name} (operate), GET /v1/gate.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError } from '../api.ts';
import { ConfirmButton, CopyField, ShownOnce, useNotice } from '../components/admin/widgets.tsx';
import { Card, ErrorMessage, PageHeader, SeverityBadge } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { policyProblems, type PolicyProblem } from '../components/gate/problems.ts';
import { AccountName, Ago } from '../components/inventory/parts.tsx';
import { formatTime, shortDigest } from '../format.ts';
import { useSession } from '../session.tsx';
import type { GatePolicyView, GateVerdict } from '../types.ts';

const TEMPLATE = `mode: enforce          # enforce | audit (violations reported, never denied)
failurePolicy: closed  # closed | open: when no verdict can be made
unknownImages: deny    # deny | allow: an image the server has no current scan of
rules:
  - name: critical-fixable
    severity: CRITICAL
    fixAvailable: true
  - name: known-exploited
    kev: true
exemptions:
  vulnerabilities: []
  workloads:
    - namespaces: [kube-system]
`;

function rulesText(r: Record<string, unknown>): string {
  const parts = Object.entries(r).filter(([k]) => k !== 'name').map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  return `${r.name ? `${String(r.name)}: ` : ''}${parts.join(', ') || 'every finding'}`;
}

/** The YAML editor of one policy; errors at their line, the caret moved to the first. */
function PolicyEditor({ existing, onSaved, onCancel }: { existing?: GatePolicyView; onSaved: (p: GatePolicyView) => void; onCancel: () => void }) {
  const ids = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const [name, setName] = useState(existing?.name ?? '');
  const [source, setSource] = useState(existing?.source ?? TEMPLATE);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problems, setProblems] = useState<PolicyProblem[]>([]);

  const goTo = (line: number) => {
    const ta = area.current;
    if (!ta) return;
    const lines = ta.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    ta.focus();
    ta.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    ta.scrollTop = Math.max(0, (line - 3) * 20);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setProblems([]);
    try {
      const saved = await api<GatePolicyView>(`/v1/gate/policies/${encodeURIComponent(name.trim())}`, { method: 'PUT', query: { accountId: existing?.accountId }, text: { type: 'application/yaml', data: source } });
      onSaved(saved);
    } catch (x) {
      const rule = x instanceof ApiError ? (x.details as { rule?: string } | undefined)?.rule : undefined;
      if (x instanceof ApiError && (rule === 'gate-policy' || rule === 'yaml')) {
        const ps = policyProblems(source, x.message);
        setProblems(ps);
        const first = ps.find((p) => p.line !== null);
        if (first?.line) goTo(first.line);
      } else setError(x);
    } finally {
      setBusy(false);
    }
  };
  const nameError = error instanceof ApiError && ((error.details as { rule?: string } | undefined)?.rule === 'gate-policy-name' || error.status === 400 && /name/.test(error.message));
  const title = existing ? `Edit policy ${existing.name}` : 'New gate policy';
  const lineCount = source.split('\n').length;
  const bad = new Set(problems.map((p) => p.line));
  return (
    <Card title={title} className="finding-card">
      <form className="stacked gate-editor" aria-label={title} onSubmit={submit} noValidate>
        <label htmlFor={`${ids}-name`}>Name <span className="hint">1–63 of a-z 0-9 . _ -; the registry gate's default policy is "default"</span></label>
        <input id={`${ids}-name`} value={name} disabled={Boolean(existing)} required onChange={(e) => setName(e.target.value)} aria-invalid={nameError || undefined} placeholder="default" />
        {nameError ? <p className="field-error" role="alert">{(error as Error).message}</p> : null}
        <label htmlFor={`${ids}-src`}>Policy (YAML or JSON) <span className="hint">see docs/gating.md: rules match findings by severity, score, fix, KEV, age and type; exemptions by vulnerability and namespace/labels</span></label>
        <div className="code-editor">
          <pre className="gutter" aria-hidden="true">{Array.from({ length: lineCount }, (_, i) => <span key={i} className={bad.has(i + 1) ? 'bad-line' : undefined}>{i + 1}{'\n'}</span>)}</pre>
          <textarea id={`${ids}-src`} ref={area} className="mono" wrap="off" rows={Math.min(30, Math.max(12, lineCount + 1))} spellCheck={false} value={source}
            onChange={(e) => setSource(e.target.value)} onScroll={(e) => { const g = e.currentTarget.previousElementSibling; if (g) g.scrollTop = e.currentTarget.scrollTop; }}
            aria-invalid={problems.length > 0 || undefined} aria-describedby={problems.length ? `${ids}-problems` : undefined} />
        </div>
        {problems.length ? (
          <div className="error" role="alert" id={`${ids}-problems`}>
            <strong>VIGIL_INVALID_INPUT: the policy is not valid</strong>
            <ul className="policy-problems">
              {problems.map((p, i) => (
                <li key={i} data-testid="policy-problem">
                  {p.line !== null ? <button type="button" className="link" onClick={() => goTo(p.line!)}>Line {p.line}</button> : <span>The policy</span>}
                  {p.field ? <> · <code>{p.field}</code></> : null}: {p.message}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {!nameError ? <ErrorMessage error={error} /> : null}
        <div className="form-actions">
          <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
          <button type="submit" className="primary" disabled={busy || !name.trim()}>{busy ? 'Saving…' : existing ? 'Save policy' : 'Create policy'}</button>
        </div>
      </form>
    </Card>
  );
}

/** "Check an image": GET /v1/gate for an image reference and a policy, the verdict in words. */
function CheckImage({ policies }: { policies: GatePolicyView[] }) {
  const ids = useId();
  const [params, setParams] = useSearchParams();
  const image = params.get('image') ?? '';
  const policy = params.get('policy') ?? '';
  const [draft, setDraft] = useState(image);
  const [draftPolicy, setDraftPolicy] = useState(policy || policies[0]?.name || 'default');
  const verdict = useQuery({
    queryKey: ['gate', image, policy],
    queryFn: ({ signal }) => api<GateVerdict>('/v1/gate', { query: { image, policy: policy || undefined }, signal }),
    enabled: image !== '',
    retry: false,
  });
  const v = verdict.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams(params);
    p.set('image', draft.trim());
    p.set('policy', draftPolicy);
    setParams(p);
  };
  return (
    <Card title="Check an image" className="finding-card">
      <form className="inline-form" aria-label="Check an image" onSubmit={submit}>
        <label htmlFor={`${ids}-image`}>Image</label>
        <input id={`${ids}-image`} className="mono wide-input" value={draft} placeholder="registry.example.com/shop/web:1.4 or …@sha256:…" onChange={(e) => setDraft(e.target.value)} />
        <label htmlFor={`${ids}-policy`}>Policy</label>
        <select id={`${ids}-policy`} value={draftPolicy} onChange={(e) => setDraftPolicy(e.target.value)}>
          {policies.length ? policies.map((p) => <option key={`${p.accountId}/${p.name}`} value={p.name}>{p.name}</option>) : <option value="default">default</option>}
        </select>
        <button type="submit" className="primary" disabled={!draft.trim()}>Check</button>
      </form>
      <ErrorMessage error={verdict.error} />
      {verdict.isFetching && !v ? <p className="muted">Asking the gate…</p> : null}
      {v ? (
        <div className="gate-verdict" data-testid="gate-verdict" role="status">
          <p className={`verdict ${v.allowed ? 'verdict-allow' : 'verdict-deny'}`}>
            <strong>{v.allowed ? 'Allowed' : 'Denied'}</strong>
            {' '}by policy <code>{v.policy}</code> ({v.mode}{v.mode === 'audit' && v.reasons.length ? ': violations reported, not denied' : ''}) · {v.evaluated} open finding{v.evaluated === 1 ? '' : 's'} evaluated
          </p>
          <p className="small">
            {v.resolved
              ? <>Resolved to <Link to={`/resources/${encodeURIComponent(v.resolved.resourceId)}`}>{v.resolved.name}</Link> <span className="mono muted">{shortDigest(v.resolved.digest)}</span>, last scanned {formatTime(v.resolved.lastScannedAt)}</>
              : <>Unknown image: {v.unknownReason ?? 'the server has no current scan of it'}</>}
          </p>
          {v.reasons.length ? (
            <div className="table-scroll"><table className="data compact">
              <caption>{v.mode === 'audit' ? 'Warnings' : 'Reasons'} ({v.reasons.length})</caption>
              <thead><tr><th scope="col">Rule</th><th scope="col">Vulnerability</th><th scope="col">Severity</th><th scope="col">Why</th></tr></thead>
              <tbody>
                {v.reasons.map((r, i) => (
                  <tr key={i}>
                    <td className="mono">{r.rule}</td>
                    <td>{r.findingId ? <Link to={`/findings/${encodeURIComponent(r.findingId)}`}>{r.vulnerabilityId}</Link> : r.vulnerabilityId}</td>
                    <td>{r.severity ? <SeverityBadge severity={r.severity} /> : '—'}</td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table></div>
          ) : <p className="status-ok">No rule violated.</p>}
          {v.exempted.length ? (
            <details><summary>Exempted ({v.exempted.length})</summary>
              <ul>{v.exempted.map((x, i) => <li key={i}>{x.kind}{x.vulnerabilityId ? ` ${x.vulnerabilityId}` : ''}: {x.reason}</li>)}</ul>
            </details>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

export function GatePolicies() {
  const { can, isDelegatedAdmin } = useSession();
  const operate = can('operate');
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [notice, setNotice] = useNotice();
  const [created, setCreated] = useState<GatePolicyView | null>(null);
  const list = useQuery({ queryKey: ['gate-policies'], queryFn: ({ signal }) => api<{ items: GatePolicyView[] }>('/v1/gate/policies', { signal }) });
  const creating = params.get('new') === '1';
  const editName = params.get('edit');
  const editing = editName ? list.data?.items.find((p) => p.name === editName) : undefined;
  const close = () => {
    const p = new URLSearchParams(params);
    p.delete('new');
    p.delete('edit');
    setParams(p);
  };
  const refresh = () => qc.invalidateQueries({ queryKey: ['gate-policies'] });
  const remove = async (p: GatePolicyView) => {
    await api(`/v1/gate/policies/${encodeURIComponent(p.name)}`, { method: 'DELETE', query: { accountId: p.accountId } });
    setNotice(`Gate policy ${p.name} is deleted; its admission URL stops working.`);
    await refresh();
  };
  const open = (key: 'new' | 'edit', value: string) => {
    const p = new URLSearchParams(params);
    p.delete('new');
    p.delete('edit');
    p.set(key, value);
    setCreated(null);
    setParams(p);
  };

  const columns: ColumnDef<GatePolicyView, unknown>[] = [
    { id: 'name', header: 'Name', cell: ({ row }) => <strong className="mono">{row.original.name}</strong> },
    ...(isDelegatedAdmin ? [{ id: 'owner', header: 'Account', cell: ({ row }) => <AccountName id={row.original.accountId} /> } as ColumnDef<GatePolicyView, unknown>] : []),
    {
      id: 'mode', header: 'Mode', cell: ({ row: { original: { policy: p } } }) => (
        <span className="small">{p.mode === 'enforce' ? <strong>enforce</strong> : 'audit'}<br />fails {p.failurePolicy} · unknown images: {p.unknownImages}</span>
      ),
    },
    { id: 'rules', header: 'Rules', size: 300, cell: ({ row }) => <ul className="criteria-list">{row.original.policy.rules.map((r, i) => <li key={i}>{rulesText(r)}</li>)}</ul> },
    {
      id: 'exemptions', header: 'Exemptions', cell: ({ row: { original: { policy: p } } }) => {
        const v = p.exemptions.vulnerabilities?.length ?? 0;
        const w = p.exemptions.workloads?.length ?? 0;
        return v || w ? <span className="small">{v} vulnerabilit{v === 1 ? 'y' : 'ies'} · {w} workload selector{w === 1 ? '' : 's'}</span> : <span className="muted">none</span>;
      },
    },
    { id: 'admission', header: 'Admission webhook', cell: ({ row }) => <span className="mono small url-cell">{row.original.admissionPath}/…</span> },
    { id: 'updated', header: 'Changed', cell: ({ row }) => <Ago iso={row.original.updatedAt} /> },
    ...(operate ? [{
      id: 'actions', header: 'Actions', cell: ({ row: { original: p } }) => (
        <div className="row-actions">
          <button type="button" onClick={() => open('edit', p.name)}>Edit<span className="visually-hidden"> {p.name}</span></button>
          <ConfirmButton label={<>Delete<span className="visually-hidden"> {p.name}</span></>} title={`Delete the gate policy ${p.name}?`} confirmLabel="Delete policy" onConfirm={() => remove(p)}>
            <p>Its admission webhook URL stops working (the cluster's failurePolicy then decides) and `GET /v1/gate?policy={p.name}` answers 404.</p>
          </ConfirmButton>
        </div>
      ),
    } as ColumnDef<GatePolicyView, unknown>] : []),
  ];
  const showEditor = operate && (creating || editing !== undefined);
  return (
    <>
      <PageHeader
        title="Gate policies"
        subtitle="Which images may run: one policy answers the Kubernetes admission webhook, the registry gate (GET /v1/gate) and vigil gate in pipelines."
        actions={operate && !showEditor ? <button type="button" className="primary" onClick={() => open('new', '1')}>New policy</button> : null}
      />
      {notice}
      {created?.token ? (
        <ShownOnce title={`Policy ${created.name} is created`} onDone={() => setCreated(null)}>
          <p>Point a ValidatingWebhookConfiguration at this URL (or send the token as <code>Authorization: Bearer</code> to <code>{created.admissionPath}</code>).</p>
          <CopyField label="Admission webhook URL" value={`${window.location.origin}${created.admissionPath}/${created.token}`} />
          <CopyField label="Admission token" value={created.token} />
        </ShownOnce>
      ) : null}
      {!operate && (creating || editName) ? <p className="notice">Your role can read gate policies but not change them (that needs the analyst or admin role).</p> : null}
      {editName && list.data && !editing ? <ErrorMessage error={new Error(`there is no gate policy ${editName} in sight`)} /> : null}
      {showEditor ? (
        <PolicyEditor key={editing?.name ?? 'new'} existing={editing} onCancel={close}
          onSaved={(p) => { close(); if (p.token) setCreated(p); else setNotice(`Policy ${p.name} is saved.`); void refresh(); }} />
      ) : null}
      <ErrorMessage error={list.error} />
      <DataTable caption="Gate policies" columns={columns} rows={list.data?.items} loading={list.isPending} rowKey={(p) => `${p.accountId}/${p.name}`}
        empty="No gate policy yet: GET /v1/gate and the admission webhook need one (the default policy is named default)." />
      {list.data ? <CheckImage policies={list.data.items} /> : null}
    </>
  );
}
