/**
 * Targets: what Vigil watches, one tab per kind (the kind lives in the URL, `?kind=`). Each target
 * with its status, last and next poll, its last error in plain sight, and its resources' coverage.
 * Admins add targets (forms built from the API's config schemas) and delete them; analysts and
 * admins poll or scan now.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { ConfirmButton, useNotice } from '../components/admin/widgets.tsx';
import { ErrorMessage, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { AddTargetForm, CreatedTargetPanel } from '../components/targets/AddTargetForm.tsx';
import { coverageOf, deleteConsequence, KINDS, kindInfo, targetPath, type KindInfo } from '../components/targets/kinds.ts';
import { formatAgo, formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import type { Account, CreatedTarget, Page, Target } from '../types.ts';

/** The list of one kind's targets (shared with the detail page's cache). */
export function useTargets(info: KindInfo) {
  return useQuery({ queryKey: ['targets', info.kind], queryFn: () => api<{ items: Target[] }>(`/v1/${info.plural}`), refetchInterval: 15_000 });
}

export function TargetStatus({ t }: { t: Pick<Target, 'status' | 'lastError'> }) {
  if (t.lastError) return <span className="status-bad">{t.status} · failing</span>;
  return <span className={t.status === 'ENABLED' ? 'status-ok' : undefined}>{t.status}</span>;
}

export function Targets() {
  const [params, setParams] = useSearchParams();
  const info = kindInfo(params.get('kind')) ?? KINDS[0];
  const { can, isDelegatedAdmin } = useSession();
  const qc = useQueryClient();
  const list = useTargets(info);
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => api<Page<Account>>('/v1/accounts'), enabled: isDelegatedAdmin });
  const accountName = (id: string) => accounts.data?.items.find((a) => a.id === id)?.name ?? id;
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<{ info: KindInfo; target: CreatedTarget } | null>(null);
  const [notice, setNotice] = useNotice();
  const [actionError, setActionError] = useState<unknown>(null);

  const selectKind = (k: KindInfo) => {
    const p = new URLSearchParams(params);
    p.set('kind', k.kind);
    setParams(p);
    setAdding(false);
    setActionError(null);
  };

  const poll = async (t: Target) => {
    setActionError(null);
    try {
      const r = await api<{ queued: boolean; jobId?: string | null }>(`/v1/${info.plural}/${encodeURIComponent(t.id)}/poll`, { method: 'POST' });
      setNotice(r.queued ? `${info.pollLabel.replace(' now', '')} of ${t.name} queued.` : `${t.name}: nothing queued (a run is already waiting).`);
      await qc.invalidateQueries({ queryKey: ['targets', info.kind] });
    } catch (e) {
      setActionError(e);
    }
  };
  const remove = async (t: Target) => {
    setActionError(null);
    const r = await api<{ removed: true; resources: number }>(`/v1/${info.plural}/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
    setNotice(`${t.name} is no longer watched${r.resources ? `; ${r.resources} resource${r.resources === 1 ? '' : 's'} became inactive and ${r.resources === 1 ? 'its' : 'their'} findings closed` : ''}.`);
    await qc.invalidateQueries({ queryKey: ['targets', info.kind] });
  };

  const items = list.data?.items;
  const failing = items?.filter((t) => t.lastError) ?? [];
  const columns: ColumnDef<Target, unknown>[] = [
    { id: 'name', header: 'Name', cell: ({ row }) => <Link to={targetPath(row.original.kind, row.original.id)}>{row.original.name}</Link> },
    ...(isDelegatedAdmin ? [{ id: 'account', header: 'Account', cell: ({ row }) => <span title={row.original.accountId}>{accountName(row.original.accountId)}</span> } as ColumnDef<Target, unknown>] : []),
    { id: 'status', header: 'Status', cell: ({ row }) => <TargetStatus t={row.original} /> },
    {
      id: 'coverage', header: 'Resources scanned', cell: ({ row }) => {
        const c = coverageOf(row.original.resources);
        return c.total ? <span title={`${c.active} of ${c.total} resources ACTIVE (scanned)`}>{c.active} / {c.total}</span> : <span className="muted">none yet</span>;
      },
    },
    { id: 'lastPolledAt', header: 'Last polled', cell: ({ row }) => <span title={formatTime(row.original.lastPolledAt)}>{formatAgo(row.original.lastPolledAt)}</span> },
    { id: 'nextPollAt', header: 'Next poll', cell: ({ row }) => (row.original.nextPollAt ? formatTime(row.original.nextPollAt) : <span className="muted">on demand</span>) },
    {
      id: 'lastError', header: 'Last error', cell: ({ row }) => (row.original.lastError
        ? <span className="cell-error" title={row.original.lastError}>{row.original.lastError}</span>
        : <span className="muted">none</span>),
    },
    ...(can('operate') ? [{
      id: 'actions', header: 'Actions', cell: ({ row }) => (
        <div className="row-actions">
          <button type="button" onClick={() => void poll(row.original)} aria-label={`${info.pollLabel}: ${row.original.name}`}>{info.pollLabel}</button>
          {can('admin') ? (
            <ConfirmButton label="Delete" title={`Stop watching ${row.original.name}?`} confirmLabel={`Delete ${info.one}`} onConfirm={() => remove(row.original)}>
              <p>{deleteConsequence(info, row.original.resources.length)}</p>
            </ConfirmButton>
          ) : null}
        </div>
      ),
    } as ColumnDef<Target, unknown>] : []),
  ];

  return (
    <>
      <PageHeader
        title="Targets"
        subtitle="What Vigil watches: registries, hosts, functions, repositories and root filesystems, with the resources found in each."
        actions={can('admin') && !adding ? <button type="button" className="primary" onClick={() => { setAdding(true); setCreated(null); }}>Add {info.one}</button> : null}
      />
      <nav className="tabs" aria-label="Target kinds">
        {KINDS.map((k) => (
          <a
            key={k.kind}
            href={`?kind=${k.kind}`}
            aria-current={k.kind === info.kind ? 'page' : undefined}
            onClick={(e) => { e.preventDefault(); selectKind(k); }}
          >
            {k.label}
          </a>
        ))}
      </nav>
      <p className="kind-about">{info.about}</p>
      {notice}
      {created ? <CreatedTargetPanel info={created.info} target={created.target} onDone={() => setCreated(null)} /> : null}
      {adding && can('admin') ? (
        <div className="card add-target">
          <AddTargetForm
            key={info.kind}
            info={info}
            onCancel={() => setAdding(false)}
            onCreated={(t) => {
              setAdding(false);
              setCreated({ info, target: t });
              void qc.invalidateQueries({ queryKey: ['targets', info.kind] });
            }}
          />
        </div>
      ) : null}
      {failing.length ? (
        <div className="error" role="alert">
          <strong>{failing.length} {failing.length === 1 ? info.one : info.label.toLowerCase()} failing: </strong>
          {failing.slice(0, 3).map((t, i) => (
            <span key={t.id}>{i ? '; ' : ''}<Link to={targetPath(t.kind, t.id)}>{t.name}</Link>: {t.lastError}</span>
          ))}
          {failing.length > 3 ? ` … and ${failing.length - 3} more` : null}
        </div>
      ) : null}
      <ErrorMessage error={actionError} />
      <ErrorMessage error={list.error} />
      <DataTable
        caption={`${info.label} in sight`}
        columns={columns}
        rows={items}
        loading={list.isPending}
        rowKey={(t) => t.id}
        empty={`No ${info.label.toLowerCase()} yet.${can('admin') ? ` Add one with "Add ${info.one}".` : ''}`}
      />
    </>
  );
}
