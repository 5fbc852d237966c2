/**
 * CIS scans (issue 18): newest first, each with its status, targets done of total, check results
 * (passed, failed, …) and pass rate; filtered by configuration and status (in the URL); the trend
 * of the chosen configuration's finished scans (pass rate and counts) as a chart.
 * Calls: GET /v1/cis/scans(?configurationId,status), GET /v1/cis/trend(?configurationId),
 * GET /v1/cis/scan-configurations (the filter's names).
 */
import { useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { Chart, type ChartOption } from '../components/Chart.tsx';
import { byStatus, CHECK_STATUS, LEVEL_NAMES, passRate, ScanStatus, StatusBar, StatusCounts } from '../components/cis/labels.tsx';
import { Card, Empty, ErrorMessage, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { formatCount, formatTime } from '../format.ts';
import type { CisConfig, CisScan, CisTrendPoint } from '../types.ts';

const SCAN_STATUSES = ['IN_PROGRESS', 'COMPLETED', 'CANCELLED'] as const;

export function CisScans() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const configurationId = params.get('configurationId') ?? undefined;
  const status = params.get('status') ?? undefined;
  const configs = useQuery({ queryKey: ['cis-configs'], queryFn: ({ signal }) => api<{ items: CisConfig[] }>('/v1/cis/scan-configurations', { signal }) });
  const scans = useQuery({
    queryKey: ['cis-scans', configurationId, status],
    queryFn: ({ signal }) => api<{ items: CisScan[] }>('/v1/cis/scans', { query: { configurationId, status, limit: 200 }, signal }),
    // a scan in progress moves on by itself
    refetchInterval: (q) => (q.state.data?.items.some((s) => s.status === 'IN_PROGRESS') ? 5000 : false),
  });
  const trend = useQuery({
    queryKey: ['cis-trend', configurationId],
    queryFn: ({ signal }) => api<{ items: CisTrendPoint[] }>('/v1/cis/trend', { query: { configurationId, limit: 60 }, signal }),
  });

  const set = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setParams(p);
  };
  const configName = (id: string) => configs.data?.items.find((c) => c.id === id)?.name;

  const columns: ColumnDef<CisScan, unknown>[] = [
    {
      id: 'name', header: 'Scan', cell: ({ row: { original: s } }) => (
        <>
          <Link to={`/cis/scans/${encodeURIComponent(s.id)}`}><strong>{s.name}</strong></Link>
          <div className="muted small">{LEVEL_NAMES[s.securityLevel]} · {s.scheduledBy === 'schedule' ? 'scheduled' : 'run on demand'}{configName(s.configurationId) === undefined ? ' · configuration deleted' : ''}</div>
        </>
      ),
    },
    { id: 'date', header: 'Date', cell: ({ row: { original: s } }) => <span className="nowrap" title={s.completedAt ? `completed ${formatTime(s.completedAt)}` : undefined}>{formatTime(s.scanDate)}</span> },
    { id: 'status', header: 'Status', cell: ({ row }) => <ScanStatus status={row.original.status} /> },
    { id: 'targets', header: 'Targets done', cell: ({ row: { original: s } }) => <span className="nowrap" data-testid="targets">{formatCount(s.targets.done)} / {formatCount(s.targets.total)}</span> },
    {
      id: 'checks', header: 'Check results', cell: ({ row: { original: s } }) => (
        <div className="cis-count-cell"><StatusBar counts={byStatus(s.checks)} /><StatusCounts counts={byStatus(s.checks)} compact /></div>
      ),
    },
    { id: 'rate', header: 'Pass rate', cell: ({ row: { original: s } }) => <strong data-testid="pass-rate">{passRate(s.checks)}</strong> },
  ];

  const points = trend.data?.items ?? [];
  const option = useMemo<ChartOption | null>(() => {
    if (!points.length) return null;
    const x = points.map((p) => `${formatTime(p.scanDate).slice(0, 16)}${configurationId ? '' : `\n${p.name}`}`);
    return {
      grid: { left: 56, right: 56, top: 40, bottom: configurationId ? 30 : 46 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: x },
      yAxis: [{ type: 'value', name: 'checks', minInterval: 1 }, { type: 'value', name: 'pass rate %', min: 0, max: 100 }],
      series: [
        ...(['PASS', 'FAIL', 'ERROR'] as const).map((st) => ({
          type: 'bar', name: CHECK_STATUS[st].label, stack: 'checks', itemStyle: { color: CHECK_STATUS[st].color }, barMaxWidth: 36,
          data: points.map((p) => p[CHECK_STATUS[st].count]),
        })),
        { type: 'line', name: 'Pass rate', yAxisIndex: 1, data: points.map((p) => p.passRate), itemStyle: { color: '#111827' }, lineStyle: { width: 2 }, showSymbol: true },
      ],
    };
  }, [points, configurationId]);
  const cfgLabel = configurationId ? (configName(configurationId) ?? configurationId) : 'every configuration';

  return (
    <>
      <PageHeader
        title="CIS scans"
        subtitle="Each scan assesses the targets of its configuration against their operating system's CIS benchmark: checks passed, failed, not applicable, in error or left to a person."
        actions={<Link className="button" to="/cis">Scan configurations</Link>}
      />
      <div className="toolbar">
        <label htmlFor="cis-config">Configuration</label>
        <select id="cis-config" value={configurationId ?? ''} onChange={(e) => set('configurationId', e.target.value)}>
          <option value="">Every configuration</option>
          {configs.data?.items.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          {configurationId && configs.data && !configName(configurationId) ? <option value={configurationId}>{configurationId} (deleted)</option> : null}
        </select>
        <label htmlFor="cis-status">Status</label>
        <select id="cis-status" value={status ?? ''} onChange={(e) => set('status', e.target.value)}>
          <option value="">Any</option>
          {SCAN_STATUSES.map((s) => <option key={s} value={s}>{s.replace('_', ' ')}</option>)}
        </select>
      </div>
      <ErrorMessage error={scans.error ?? configs.error} />
      <DataTable
        caption="CIS scans"
        columns={columns}
        rows={scans.data?.items}
        loading={scans.isPending}
        rowKey={(s) => s.id}
        onRowClick={(s) => navigate(`/cis/scans/${encodeURIComponent(s.id)}`)}
        empty={configurationId || status ? 'No scan matches these filters.' : 'No scan yet: a configuration runs at its time, or with "Run now".'}
      />
      <Card title={`Trend: ${cfgLabel}`} className="finding-card">
        <ErrorMessage error={trend.error} />
        {option ? (
          <>
            <Chart option={option} height={280}
              label={`Finished CIS scans of ${cfgLabel}, oldest first: ${points.map((p) => `${formatTime(p.scanDate)} ${p.passed} passed, ${p.failed} failed, pass rate ${p.passRate ?? 'none'}%`).join('; ')}`} />
            <p className="muted small">Bars: check results over every target of each finished scan; line: pass rate (passed / (passed + failed)).</p>
            <details className="cis-history">
              <summary>History as a table ({points.length} scan{points.length === 1 ? '' : 's'})</summary>
              <div className="table-scroll"><table className="data compact">
                <caption className="visually-hidden">History of {cfgLabel}</caption>
                <thead><tr><th scope="col">Scan</th><th scope="col">Date</th><th scope="col">Status</th>{(['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR', 'MANUAL'] as const).map((st) => <th key={st} scope="col" className="num">{CHECK_STATUS[st].label}</th>)}<th scope="col" className="num">Pass rate</th></tr></thead>
                <tbody>
                  {[...points].reverse().map((p) => (
                    <tr key={p.scanId} data-testid="trend-point">
                      <td><Link to={`/cis/scans/${encodeURIComponent(p.scanId)}`}>{p.name}</Link></td>
                      <td className="nowrap">{formatTime(p.scanDate)}</td>
                      <td>{p.status}</td>
                      {(['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR', 'MANUAL'] as const).map((st) => <td key={st} className="num">{formatCount(p[CHECK_STATUS[st].count])}</td>)}
                      <td className="num">{p.passRate === null ? '—' : `${p.passRate}%`}</td>
                    </tr>
                  ))}
                </tbody>
              </table></div>
            </details>
          </>
        ) : trend.isPending ? null : <Empty>No finished scan{configurationId ? ' of this configuration' : ''} yet.</Empty>}
      </Card>
    </>
  );
}
