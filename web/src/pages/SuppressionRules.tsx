/**
 * Suppression rules (Inspector's "Suppression rules"): the rules in sight, in the order they apply,
 * with their criteria in words; create (also prefilled from the findings explorer:
 * `?new=1&<findings filters>`), edit (`?edit=<id>`), delete with confirmation, each with a live
 * preview and, once saved, what re-evaluating the open findings changed.
 * Calls: GET/POST /v1/suppression-rules, PUT/DELETE /v1/suppression-rules/{id},
 * POST /v1/suppression-rules/preview. Writes need the operate role.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, withQuery } from '../api.ts';
import { ErrorMessage, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { AccountName, Ago } from '../components/inventory/parts.tsx';
import { emptyForm, formFromCriteria } from '../components/suppression/form.ts';
import { RuleEditor } from '../components/suppression/RuleEditor.tsx';
import { describeCriteria, filtersFromCriteria, FILTER_LABELS } from '../components/suppression/criteria.ts';
import { criteriaFromFilters, filtersNotInCriteria } from '../criteria.ts';
import { formatCount, formatTime } from '../format.ts';
import { useSession, useWhoAmI } from '../session.tsx';
import type { SuppressionRule, SuppressionRuleChange } from '../types.ts';

/** parameters of this page's URL that are its own, not findings filters */
const OWN = new Set(['new', 'edit']);

export function SuppressionRules() {
  const { can, isDelegatedAdmin } = useSession();
  const who = useWhoAmI();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const creating = params.get('new') === '1';
  // when creating from the explorer, its accountId is a findings filter (a criterion), not this list's
  const accountFilter = creating ? undefined : params.get('accountId') ?? undefined;
  const editId = params.get('edit');
  const operate = can('operate');
  const [done, setDone] = useState<{ text: string; change: SuppressionRuleChange } | null>(null);
  const [deleting, setDeleting] = useState<SuppressionRule | null>(null);

  const rules = useQuery({
    queryKey: ['suppression-rules', accountFilter],
    queryFn: ({ signal }) => api<{ items: SuppressionRule[] }>('/v1/suppression-rules', { query: { accountId: accountFilter }, signal }),
  });
  const editing = editId ? rules.data?.items.find((r) => r.id === editId) : undefined;

  // arriving from the findings explorer: its filters (everything but this page's own parameters)
  const fromFindings = useMemo(() => {
    const q: Record<string, string[]> = {};
    for (const k of new Set(params.keys())) if (!OWN.has(k)) q[k] = params.getAll(k);
    return q;
  }, [params]);
  const initial = useMemo(() => {
    if (editing) return formFromCriteria(editing.criteria, editing);
    if (!creating) return emptyForm();
    const criteria = criteriaFromFilters(fromFindings);
    const f = formFromCriteria(criteria);
    const words = describeCriteria(criteria);
    if (words.length) f.name = `Suppress ${words.join(', ')}`.slice(0, 200);
    return f;
  }, [editing, creating, fromFindings]);

  const closeEditor = () => {
    const p = new URLSearchParams();
    if (accountFilter) p.set('accountId', accountFilter);
    setParams(p);
  };
  const onSaved = (change: SuppressionRuleChange, created: boolean) => {
    setDone({ text: `Rule “${change.rule.name}” ${created ? 'created' : 'saved'}.`, change });
    void qc.invalidateQueries({ queryKey: ['suppression-rules'] });
    // findings and counts elsewhere changed status
    void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'suppression-rules' });
    closeEditor();
  };
  const del = useMutation({
    mutationFn: (r: SuppressionRule) => api<SuppressionRuleChange>(`/v1/suppression-rules/${encodeURIComponent(r.id)}`, { method: 'DELETE' }),
    onSuccess: (change) => {
      setDone({ text: `Rule “${change.rule.name}” deleted.`, change });
      setDeleting(null);
      void qc.invalidateQueries();
    },
  });
  const writable = (r: SuppressionRule) => operate && (isDelegatedAdmin || r.accountId === who.account.id);

  const columns: ColumnDef<SuppressionRule, unknown>[] = [
    {
      id: 'name', header: 'Name', size: 220,
      cell: ({ row: { original: r } }) => {
        const f = filtersFromCriteria(r.criteria);
        return (
          <>
            <strong>{r.name}</strong>
            <div className="small">
              <Link to={withQuery('/findings', { ...f.query, status: 'SUPPRESSED' })} title={f.unmapped.length ? `approximate: the explorer cannot filter on ${f.unmapped.join(', ')}` : undefined}>
                Suppressed findings{f.unmapped.length ? ' (approx.)' : ''}
              </Link>
            </div>
          </>
        );
      },
    },
    { id: 'reason', header: 'Reason', size: 220, cell: ({ row }) => <span className="clamp-3" title={row.original.reason}>{row.original.reason}</span> },
    { id: 'criteria', header: 'Criteria', size: 320, cell: ({ row }) => <ul className="criteria-list">{describeCriteria(row.original.criteria).map((d) => <li key={d}>{d}</li>)}</ul> },
    {
      id: 'account', header: 'Account',
      cell: ({ row: { original: r } }) => (
        r.accountId === who.account.id ? <span>{who.account.name} <span className="muted small">(this account)</span></span> : <AccountName id={r.accountId} />
      ),
    },
    {
      id: 'expires', header: 'Expires',
      cell: ({ row: { original: r } }) => {
        if (!r.expiresAt) return <span className="muted">never</span>;
        const expired = Date.parse(r.expiresAt) <= Date.now();
        return <span className={expired ? 'status-bad' : undefined}>{formatTime(r.expiresAt)}{expired ? ' (expired)' : ''}</span>;
      },
    },
    { id: 'created', header: 'Created', cell: ({ row }) => <Ago iso={row.original.createdAt} /> },
    ...(operate ? [{
      id: 'actions', header: 'Actions',
      cell: ({ row: { original: r } }) => (writable(r) ? (
        <span className="row-actions">
          <button type="button" onClick={() => { setDone(null); setParams(new URLSearchParams({ edit: r.id })); }} aria-label={`Edit rule ${r.name}`}>Edit</button>
          <button type="button" className="danger" onClick={() => { del.reset(); setDeleting(r); }} aria-label={`Delete rule ${r.name}`}>Delete</button>
        </span>
      ) : <span className="muted small" title="a rule another account owns that names this account: readable, not writable">read-only</span>),
    } satisfies ColumnDef<SuppressionRule, unknown>] : []),
  ];

  const showEditor = operate && (creating || (editId !== null && editing !== undefined));
  return (
    <>
      <PageHeader
        title="Suppression rules"
        subtitle="Findings a rule matches become SUPPRESSED at once and stay so while it applies; deleting or expiring it returns them to ACTIVE."
        actions={operate && !showEditor ? <button type="button" className="primary" onClick={() => { setDone(null); setParams(new URLSearchParams({ new: '1' })); }}>New rule</button> : null}
      />
      {done ? (
        <div className="notice" role="status">
          {done.text} {done.change.applied.suppressed ? <><strong>{formatCount(done.change.applied.suppressed)}</strong> finding{done.change.applied.suppressed === 1 ? '' : 's'} suppressed</> : 'No finding newly suppressed'}
          {', '}{done.change.applied.unsuppressed ? <><strong>{formatCount(done.change.applied.unsuppressed)}</strong> returned to ACTIVE</> : 'none returned to ACTIVE'}
          {' '}<span className="muted">({formatCount(done.change.applied.evaluated)} open findings re-evaluated)</span>
          <button type="button" className="link" onClick={() => setDone(null)} aria-label="Dismiss">Dismiss</button>
        </div>
      ) : null}
      {!operate && (creating || editId) ? <p className="notice">Your role ({who.key.role}) can read suppression rules but not write them.</p> : null}
      {editId && rules.data && !editing ? <ErrorMessage error={new Error(`there is no suppression rule ${editId} in sight`)} /> : null}
      {showEditor ? (
        <RuleEditor
          key={editing ? `edit-${editing.id}` : `new-${params.toString()}`}
          rule={editing}
          initial={initial}
          unmapped={creating ? filtersNotInCriteria(fromFindings).map((k) => `${FILTER_LABELS[k] ?? k} = ${fromFindings[k]?.join(', ')}`) : []}
          onSaved={onSaved}
          onCancel={closeEditor}
        />
      ) : null}
      <h2 className="section-title">Rules <span className="muted small">{rules.data ? `(${rules.data.items.length}, in the order they apply)` : ''}</span></h2>
      {isDelegatedAdmin && accountFilter ? (
        <p className="small">Showing rules of account <code>{accountFilter}</code>. <Link to="/suppression-rules">Show every account</Link></p>
      ) : null}
      <ErrorMessage error={rules.error} />
      <DataTable
        caption="Suppression rules"
        columns={columns}
        rows={rules.data?.items}
        loading={rules.isPending}
        rowKey={(r) => r.id}
        empty={operate ? 'No suppression rule yet. Create one here, or from a filter in the findings explorer.' : 'No suppression rule yet.'}
      />
      {deleting ? <ConfirmDelete rule={deleting} pending={del.isPending} error={del.error} onConfirm={() => del.mutate(deleting)} onCancel={() => setDeleting(null)} /> : null}
    </>
  );
}

/** A modal confirmation (the native <dialog>: focus is trapped and Escape cancels). */
function ConfirmDelete({ rule, pending, error, onConfirm, onCancel }: { rule: SuppressionRule; pending: boolean; error: unknown; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="delete-rule-title" onCancel={(e) => { e.preventDefault(); onCancel(); }}>
      <h2 id="delete-rule-title">Delete rule “{rule.name}”?</h2>
      <p>The findings it suppresses return to ACTIVE at once, unless another rule matches them.</p>
      <ul className="criteria-list">{describeCriteria(rule.criteria).map((d) => <li key={d}>{d}</li>)}</ul>
      <ErrorMessage error={error} />
      <div className="form-actions">
        <button type="button" className="danger-solid" onClick={onConfirm} disabled={pending}>{pending ? 'Deleting…' : 'Delete rule'}</button>
        <button type="button" onClick={onCancel} autoFocus>Cancel</button>
      </div>
    </dialog>
  );
}
