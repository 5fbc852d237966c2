/**
 * One CIS scan (issue 18): its status, targets done and check counts; two tabs — "By check" (each
 * check's counts over the targets; a check opens the targets with their status and evidence) and
 * "By target" (each resource's benchmark, status or why it was skipped, and counts; a target opens
 * its results with evidence: file:line, found, expected, message); a status filter; the report as
 * CSV or JSON; Cancel while it is in progress. Tab, filter and selection live in the URL.
 * Calls: GET /v1/cis/scans/{id}, …/checks(?status), …/targets(?status), …/results(?resourceId,
 * checkId, status, limit, offset), …/report?format=csv|json, POST …/cancel.
 */
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, downloadHref } from '../api.ts';
import { ConfirmButton, useNotice } from '../components/admin/widgets.tsx';
import { byStatus, CHECK_STATUS, CheckStatus, LEVEL_NAMES, passRate, ScanStatus, StatusBar, StatusCounts, TargetStatus } from '../components/cis/labels.tsx';
import { Card, Empty, ErrorMessage, Loading, PageHeader, Stat } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { AccountName } from '../components/inventory/parts.tsx';
import { formatCount, formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { CIS_CHECK_STATUSES, CIS_TARGET_STATUSES, type CisCheckAggregate, type CisResult, type CisResults, type CisScan as Scan, type CisTarget } from '../types.ts';

const RESULTS_PAGE = 200;
const scanPath = (id: string) => `/v1/cis/scans/${encodeURIComponent(id)}`;

export function CisScan() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [notice, setNotice] = useNotice();
  const tab = params.get('tab') === 'targets' ? 'targets' : 'checks';
  const status = params.get('status') ?? undefined;
  const check = params.get('check') ?? undefined;
  const resource = params.get('resource') ?? undefined;

  const scan = useQuery({
    queryKey: ['cis-scan', id],
    queryFn: ({ signal }) => api<Scan>(scanPath(id), { signal }),
    refetchInterval: (q) => (q.state.data?.status === 'IN_PROGRESS' ? 5000 : false),
  });
  const inProgress = scan.data?.status === 'IN_PROGRESS';
  const checks = useQuery({
    queryKey: ['cis-scan', id, 'checks', status, scan.data?.targets.done],
    queryFn: ({ signal }) => api<{ items: CisCheckAggregate[] }>(`${scanPath(id)}/checks`, { query: { status }, signal }),
    enabled: scan.isSuccess && tab === 'checks', placeholderData: keepPreviousData,
  });
  const targets = useQuery({
    queryKey: ['cis-scan', id, 'targets', status, scan.data?.targets.done, scan.data?.status],
    queryFn: ({ signal }) => api<{ items: CisTarget[] }>(`${scanPath(id)}/targets`, { query: { status }, signal }),
    enabled: scan.isSuccess && tab === 'targets', placeholderData: keepPreviousData,
  });

  const set = (changes: Record<string, string | undefined>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p);
  };

  if (scan.isPending) return <><PageHeader title="CIS scan" /><Loading /></>;
  if (scan.isError) {
    return (
      <>
        <PageHeader title="CIS scan" />
        <ErrorMessage error={scan.error} />
        <p><Link to="/cis/scans">Back to the scans</Link></p>
      </>
    );
  }
  const s = scan.data;
  const counts = byStatus(s.checks);
  const cancel = async () => {
    const next = await api<Scan>(`${scanPath(id)}/cancel`, { method: 'POST' });
    qc.setQueryData(['cis-scan', id], next);
    setNotice(`Scan ${s.name} is cancelled: targets not yet assessed are CANCELLED.`);
    void qc.invalidateQueries({ queryKey: ['cis-scan', id] });
    void qc.invalidateQueries({ queryKey: ['cis-scans'] });
  };
  const statusOptions: readonly string[] = tab === 'checks' ? CIS_CHECK_STATUSES : CIS_TARGET_STATUSES;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb"><Link to="/cis/scans">CIS scans</Link> › <span>{s.name}</span></nav>
      <PageHeader
        title={`CIS scan: ${s.name}`}
        subtitle={<><ScanStatus status={s.status} /> · {formatTime(s.scanDate)} · {LEVEL_NAMES[s.securityLevel]} · {s.scheduledBy === 'schedule' ? 'scheduled' : 'run on demand'}{s.completedAt ? <> · finished {formatTime(s.completedAt)}</> : null}</>}
        actions={(
          <>
            <a className="button" href={downloadHref(`${scanPath(id)}/report`, { format: 'csv' })} download>Download CSV</a>
            <a className="button" href={downloadHref(`${scanPath(id)}/report`, { format: 'json' })} download>Download JSON</a>
            {inProgress && can('operate') ? (
              <ConfirmButton label="Cancel scan" title={`Cancel the scan ${s.name}?`} confirmLabel="Cancel scan" onConfirm={cancel}>
                <p>Targets not yet assessed become CANCELLED; results already in stay.</p>
              </ConfirmButton>
            ) : null}
          </>
        )}
      />
      {notice}
      <div className="grid cols-6 cis-stats" aria-label="Scan counts" role="group">
        <Stat label="Targets done" value={<span data-testid="stat-targets">{formatCount(s.targets.done)} / {formatCount(s.targets.total)}</span>} />
        <Stat label="Pass rate" value={<span data-testid="stat-pass-rate">{passRate(s.checks)}</span>} hint="passed / (passed + failed)" />
        {CIS_CHECK_STATUSES.map((st) => (
          <Stat key={st} label={CHECK_STATUS[st].label} tone={`cis-${st.toLowerCase()}`} value={<span data-testid={`stat-${st}`}>{formatCount(counts[st])}</span>} />
        ))}
      </div>
      <div className="cis-total"><StatusBar counts={counts} /> <span className="muted small">{formatCount(s.checks.total)} check results over every target</span></div>

      <div className="tabs" role="tablist" aria-label="Results">
        <button type="button" role="tab" id="tab-checks" aria-selected={tab === 'checks'} aria-controls="panel" onClick={() => set({ tab: undefined, status: undefined, resource: undefined })}>By check</button>
        <button type="button" role="tab" id="tab-targets" aria-selected={tab === 'targets'} aria-controls="panel" onClick={() => set({ tab: 'targets', status: undefined, check: undefined })}>By target</button>
      </div>
      <div id="panel" role="tabpanel" aria-labelledby={tab === 'checks' ? 'tab-checks' : 'tab-targets'}>
        <div className="toolbar">
          <label htmlFor="cis-filter">{tab === 'checks' ? 'Checks with a target in status' : 'Target status'}</label>
          <select id="cis-filter" value={status ?? ''} onChange={(e) => set({ status: e.target.value || undefined })}>
            <option value="">Any</option>
            {statusOptions.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </div>
        {tab === 'checks'
          ? <ByCheck scanId={id} rows={checks.data?.items} loading={checks.isPending} error={checks.error} selected={check} status={status} onSelect={(c) => set({ check: c })} />
          : <ByTarget scanId={id} rows={targets.data?.items} loading={targets.isPending} error={targets.error} selected={resource} onSelect={(r) => set({ resource: r })} />}
      </div>
    </>
  );
}

function ByCheck({ scanId, rows, loading, error, selected, status, onSelect }: { scanId: string; rows: CisCheckAggregate[] | undefined; loading: boolean; error: unknown; selected?: string; status?: string; onSelect: (checkId: string | undefined) => void }) {
  const columns: ColumnDef<CisCheckAggregate, unknown>[] = [
    {
      id: 'check', header: 'Check', size: 110, cell: ({ row: { original: c } }) => (
        <button type="button" className="link mono cis-check-id" aria-pressed={selected === c.checkId} onClick={() => onSelect(selected === c.checkId ? undefined : c.checkId)}>{c.checkId}</button>
      ),
    },
    { id: 'title', header: 'Title', cell: ({ row }) => <span className="cis-title">{row.original.title}</span> },
    { id: 'level', header: 'Level', size: 60, cell: ({ row }) => row.original.level },
    { id: 'counts', header: 'Targets', size: 280, cell: ({ row: { original: c } }) => <div className="cis-count-cell"><StatusBar counts={c.counts} /><StatusCounts counts={c.counts} compact /></div> },
  ];
  const current = rows?.find((c) => c.checkId === selected);
  return (
    <>
      <ErrorMessage error={error} />
      {selected ? (
        <Results
          key={`c-${selected}-${status ?? ''}`}
          scanId={scanId}
          query={{ checkId: selected, status: status && (CIS_CHECK_STATUSES as readonly string[]).includes(status) ? status : undefined }}
          title={`${selected} ${current?.title ?? ''}: targets`}
          by="target"
          onClose={() => onSelect(undefined)}
        />
      ) : null}
      <DataTable
        caption="Results by check"
        columns={columns}
        rows={rows}
        loading={loading}
        rowKey={(c) => c.checkId}
        onRowClick={(c) => onSelect(c.checkId)}
        empty={status ? `No check has a target in ${status}.` : 'No results yet: no target has been assessed.'}
      />
    </>
  );
}

function ByTarget({ scanId, rows, loading, error, selected, onSelect }: { scanId: string; rows: CisTarget[] | undefined; loading: boolean; error: unknown; selected?: string; onSelect: (resourceId: string | undefined) => void }) {
  const { isDelegatedAdmin } = useSession();
  const columns: ColumnDef<CisTarget, unknown>[] = [
    {
      id: 'resource', header: 'Resource', cell: ({ row: { original: t } }) => (
        <>
          <button type="button" className="link cis-resource" aria-pressed={selected === t.resourceId} onClick={() => onSelect(selected === t.resourceId ? undefined : t.resourceId)}>{t.resourceName}</button>
          <div className="small"><Link to={`/resources/${encodeURIComponent(t.resourceId)}`}>Resource page<span className="visually-hidden"> of {t.resourceName}</span></Link></div>
        </>
      ),
    },
    ...(isDelegatedAdmin ? [{ id: 'account', header: 'Account', cell: ({ row }) => <AccountName id={row.original.accountId} /> } as ColumnDef<CisTarget, unknown>] : []),
    { id: 'type', header: 'Type', cell: ({ row }) => row.original.resourceType },
    { id: 'benchmark', header: 'Benchmark', cell: ({ row }) => (row.original.benchmarkId ? <span className="mono">{row.original.benchmarkId}</span> : <span className="muted">—</span>) },
    { id: 'status', header: 'Status', cell: ({ row: { original: t } }) => <TargetStatus status={t.status} reason={t.reason} message={t.message} /> },
    { id: 'counts', header: 'Checks', cell: ({ row: { original: t } }) => <div className="cis-count-cell"><StatusBar counts={byStatus(t.counts)} /><StatusCounts counts={byStatus(t.counts)} compact /></div> },
    { id: 'rate', header: 'Pass rate', cell: ({ row }) => passRate(row.original.counts) },
    { id: 'collected', header: 'Assessed', cell: ({ row: { original: t } }) => <span className="nowrap small" title={t.collectedAt ? `what was assessed was read ${formatTime(t.collectedAt)}` : undefined}>{formatTime(t.completedAt)}</span> },
  ];
  const current = rows?.find((t) => t.resourceId === selected);
  return (
    <>
      <ErrorMessage error={error} />
      {selected ? (
        <Results key={`r-${selected}`} scanId={scanId} query={{ resourceId: selected }} title={`${current?.resourceName ?? selected}: check results`} by="check" onClose={() => onSelect(undefined)} filterable />
      ) : null}
      <DataTable
        caption="Results by target"
        columns={columns}
        rows={rows}
        loading={loading}
        rowKey={(t) => t.resourceId}
        onRowClick={(t) => onSelect(t.resourceId)}
        empty="No target in this status."
      />
    </>
  );
}

/** Evidence: where (file:line), what was found and expected, and the message. */
function Evidence({ items }: { items: CisResult['evidence'] }) {
  if (!items.length) return <span className="muted">—</span>;
  return (
    <ul className="plain cis-evidence">
      {items.map((e, i) => (
        <li key={i}>
          {e.path ? <span className="mono cis-where">{e.path}{e.line !== undefined ? `:${e.line}` : ''}</span> : null}
          <span className="cis-message-text">{e.message}</span>
          {e.found !== undefined || e.expected !== undefined ? (
            <div className="small">
              {e.found !== undefined ? <>found <code className="cis-val">{e.found || '(empty)'}</code></> : null}
              {e.found !== undefined && e.expected !== undefined ? ' · ' : null}
              {e.expected !== undefined ? <>expected <code className="cis-val">{e.expected}</code></> : null}
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** Results with evidence, a page of RESULTS_PAGE at a time: of one check over targets, or of one target over checks. */
function Results({ scanId, query, title, by, onClose, filterable }: { scanId: string; query: Record<string, string | undefined>; title: string; by: 'target' | 'check'; onClose: () => void; filterable?: boolean }) {
  const [offset, setOffset] = useState(0);
  const [status, setStatus] = useState('');
  const q = { ...query, ...(status ? { status } : {}) };
  const res = useQuery({
    queryKey: ['cis-scan', scanId, 'results', q, offset],
    queryFn: ({ signal }) => api<CisResults>(`${scanPath(scanId)}/results`, { query: { ...q, limit: RESULTS_PAGE, offset }, signal }),
    placeholderData: keepPreviousData,
  });
  const items = res.data?.items;
  // opened from a row far down a long list: bring the results into view
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.scrollIntoView?.({ block: 'start' });
  }, []);
  const head: ReactNode = by === 'target' ? <th scope="col">Target</th> : <><th scope="col">Check</th><th scope="col">Title</th></>;
  return (
    <div ref={box} className="cis-results-box">
    <Card title={title} className="finding-card cis-results" actions={<button type="button" onClick={onClose}>Close</button>}>
      {filterable ? (
        <div className="toolbar">
          <label htmlFor="cis-result-status">Result status</label>
          <select id="cis-result-status" value={status} onChange={(e) => { setStatus(e.target.value); setOffset(0); }}>
            <option value="">Any</option>
            {CIS_CHECK_STATUSES.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </div>
      ) : null}
      <ErrorMessage error={res.error} />
      {res.isPending ? <Loading label="Loading the results…" /> : items && items.length ? (
        <div className="table-scroll"><table className="data compact">
          <caption className="visually-hidden">{title}</caption>
          <thead><tr>{head}<th scope="col">Status</th><th scope="col">Evidence</th></tr></thead>
          <tbody>
            {items.map((r) => (
              <tr key={`${r.resourceId}|${r.checkId}`} data-testid="cis-result">
                {by === 'target'
                  ? <td><Link to={`/resources/${encodeURIComponent(r.resourceId)}`}>{r.resourceName}</Link><div className="muted small">{r.resourceType}{r.benchmarkId ? ` · ${r.benchmarkId}` : ''}</div></td>
                  : <><td className="mono nowrap">{r.checkId}</td><td><span className="cis-title">{r.title}</span><div className="muted small">Level {r.level}</div></td></>}
                <td><CheckStatus status={r.status} /></td>
                <td><Evidence items={r.evidence} /></td>
              </tr>
            ))}
          </tbody>
        </table></div>
      ) : <Empty>No results{status ? ` in ${status}` : ''}.</Empty>}
      {offset > 0 || res.data?.nextOffset ? (
        <nav className="pager" aria-label="Result pages">
          <button type="button" onClick={() => setOffset(Math.max(0, offset - RESULTS_PAGE))} disabled={offset === 0}>← Previous</button>
          <span>Results {formatCount(offset + 1)}–{formatCount(offset + (items?.length ?? 0))}</span>
          <button type="button" onClick={() => res.data?.nextOffset && setOffset(res.data.nextOffset)} disabled={!res.data?.nextOffset}>Next →</button>
        </nav>
      ) : null}
    </Card>
    </div>
  );
}
