/**
 * CIS benchmark scan configurations (issue 18): each one's name, level, schedule in words, targets
 * (accounts, tags, resource types), next and last run; create and edit through a form, delete, and
 * "Run now". Calls: GET/POST /v1/cis/scan-configurations, PATCH/DELETE …/{id}, POST …/{id}/run,
 * GET /v1/cis/benchmarks (what the server assesses).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, withQuery } from '../api.ts';
import { ConfirmButton, useNotice } from '../components/admin/widgets.tsx';
import { ConfigForm } from '../components/cis/ConfigForm.tsx';
import { LEVEL_NAMES, scheduleText, tagsText } from '../components/cis/labels.tsx';
import { Card, ErrorMessage, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { AccountName, Ago } from '../components/inventory/parts.tsx';
import { formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import type { CisConfig, CisScan } from '../types.ts';

interface Benchmark { id: string; title: string; version: string; checks: { level1: number; level2: number; manual: number; live: number } }

export function CisConfigurations() {
  const { can, isDelegatedAdmin } = useSession();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [notice, setNotice] = useNotice();
  const [editing, setEditing] = useState<CisConfig | null>(null);
  const list = useQuery({ queryKey: ['cis-configs'], queryFn: ({ signal }) => api<{ items: CisConfig[] }>('/v1/cis/scan-configurations', { signal }) });
  const benchmarks = useQuery({ queryKey: ['cis-benchmarks'], queryFn: ({ signal }) => api<{ items: Benchmark[] }>('/v1/cis/benchmarks', { signal }), staleTime: 3_600_000 });

  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: ['cis-configs'] }), qc.invalidateQueries({ queryKey: ['cis-scans'] })]);
  const run = async (c: CisConfig) => {
    const scan = await api<CisScan>(`/v1/cis/scan-configurations/${encodeURIComponent(c.id)}/run`, { method: 'POST' });
    await refresh();
    navigate(`/cis/scans/${encodeURIComponent(scan.id)}`);
  };
  const remove = async (c: CisConfig) => {
    await api(`/v1/cis/scan-configurations/${encodeURIComponent(c.id)}`, { method: 'DELETE' });
    setNotice(`Configuration ${c.name} is deleted; its scans and their results stay.`);
    if (editing?.id === c.id) setEditing(null);
    await refresh();
  };

  const columns: ColumnDef<CisConfig, unknown>[] = [
    {
      id: 'name', header: 'Name', cell: ({ row: { original: c } }) => (
        <>
          <strong>{c.name}</strong>
          <div className="small"><Link to={withQuery('/cis/scans', { configurationId: c.id })}>Scans<span className="visually-hidden"> of {c.name}</span></Link></div>
        </>
      ),
    },
    ...(isDelegatedAdmin ? [{ id: 'owner', header: 'Owner', cell: ({ row }) => <AccountName id={row.original.accountId} /> } as ColumnDef<CisConfig, unknown>] : []),
    { id: 'level', header: 'Level', cell: ({ row }) => <span className="nowrap">{LEVEL_NAMES[row.original.securityLevel]}</span> },
    { id: 'schedule', header: 'Schedule', cell: ({ row: { original: c } }) => <span data-testid="schedule">{scheduleText(c.schedule)}</span> },
    {
      id: 'targets', header: 'Targets', cell: ({ row: { original: c } }) => (
        <div className="cis-targets">
          <div>{c.targets.accountIds.map((a, i) => <span key={a}>{i ? ', ' : ''}<AccountName id={a} /></span>)}</div>
          {tagsText(c.targets.resourceTags).map((t) => <span key={t} className="tag mono">{t}</span>)}
          <div className="muted small">{(c.targets.resourceTypes ?? ['host', 'rootfs']).join(', ')}</div>
        </div>
      ),
    },
    {
      id: 'next', header: 'Next run', cell: ({ row: { original: c } }) => (c.nextRunAt ? <span className="nowrap" data-testid="next-run">{formatTime(c.nextRunAt)}</span> : <span className="muted">{c.status === 'DONE' ? 'done (ran once)' : '—'}</span>),
    },
    { id: 'last', header: 'Last run', cell: ({ row }) => <Ago iso={row.original.lastRunAt} never="not yet" /> },
    ...(can('operate') ? [{
      id: 'actions', header: 'Actions', cell: ({ row: { original: c } }) => (
        <div className="row-actions">
          <ConfirmButton label={<>Run now<span className="visually-hidden"> {c.name}</span></>} danger={false} className="" title={`Run ${c.name} now?`} confirmLabel="Run now" onConfirm={() => run(c)}>
            <p>A scan of its targets starts now; its schedule is unchanged.</p>
          </ConfirmButton>
          <button type="button" onClick={() => setEditing(c)}>Edit<span className="visually-hidden"> {c.name}</span></button>
          <ConfirmButton label={<>Delete<span className="visually-hidden"> {c.name}</span></>} title={`Delete the configuration ${c.name}?`} confirmLabel="Delete configuration" onConfirm={() => remove(c)}>
            <p>It will not run again. Its scans and their results stay.</p>
          </ConfirmButton>
        </div>
      ),
    } as ColumnDef<CisConfig, unknown>] : []),
  ];

  const b = benchmarks.data?.items;
  return (
    <>
      <PageHeader
        title="CIS benchmarks"
        subtitle="Scan configurations: which hosts, root filesystems and images are assessed against the CIS benchmark of their operating system (the benchmarks are listed below), at which level, and when."
        actions={<Link className="button" to="/cis/scans">Scans and trend</Link>}
      />
      {notice}
      <ErrorMessage error={list.error} />
      <DataTable
        caption="CIS scan configurations"
        columns={columns}
        rows={list.data?.items}
        loading={list.isFetching}
        rowKey={(c) => c.id}
        empty="No scan configuration yet."
      />
      {can('operate') ? (
        editing ? (
          <ConfigForm key={editing.id} existing={editing} onCancel={() => setEditing(null)} onSaved={(c) => { setEditing(null); setNotice(`Configuration ${c.name} is saved.`); void refresh(); }} />
        ) : (
          <ConfigForm onSaved={(c) => { setNotice(`Configuration ${c.name} is created${'oneTime' in c.schedule ? ' and runs now' : `; next run ${formatTime(c.nextRunAt)}`}.`); void refresh(); }} />
        )
      ) : <p className="muted small">Creating, changing and running configurations needs the analyst or admin role.</p>}
      {b?.length ? (
        <Card title="Benchmarks" className="finding-card">
          <div className="table-scroll"><table className="data compact">
            <caption className="visually-hidden">CIS benchmarks this server assesses</caption>
            <thead><tr><th scope="col">Benchmark</th><th scope="col">Version</th><th scope="col" className="num">Level 1 checks</th><th scope="col" className="num">Level 2 checks</th><th scope="col" className="num">Manual</th><th scope="col" className="num">Live only</th></tr></thead>
            <tbody>
              {b.map((x) => (
                <tr key={x.id}><td>{x.title} <span className="muted small mono">{x.id}</span></td><td>{x.version}</td><td className="num">{x.checks.level1}</td><td className="num">{x.checks.level2}</td><td className="num">{x.checks.manual}</td><td className="num">{x.checks.live}</td></tr>
              ))}
            </tbody>
          </table></div>
        </Card>
      ) : null}
    </>
  );
}
