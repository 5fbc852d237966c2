/**
 * Exports (issue 19): findings reports (Inspector's CreateFindingsReport) — created from the
 * findings explorer's filter ("Export report…" there opens `?new=1&<findings filters>`), in CSV,
 * JSON or OCSF, kept for download or written to a directory or an S3 bucket; the report jobs with
 * status, size, location and a download link, polled while one runs — and the SBOM exports (started
 * from the Resources page's "Export SBOMs…") with theirs.
 * Calls: GET/POST /v1/findings-reports, GET /v1/sbom-exports. Creating needs the operate role.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, withQuery } from '../api.ts';
import { useNotice } from '../components/admin/widgets.tsx';
import { ErrorMessage, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { exportDestinationText, JobStatus } from '../components/integrations/labels.tsx';
import { filterWords, ReportForm } from '../components/integrations/ReportForm.tsx';
import { formatBytes, formatCount, formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import type { FindingsReport, SbomExport } from '../types.ts';

const running = (s: string) => s === 'QUEUED' || s === 'IN_PROGRESS';

/** where a finished job went: its download link, or its location */
function Output({ job, href, what }: { job: { id: string; status: string; location?: string; size?: number; error?: string | null; downloadUrl?: string | null }; href: string; what: string }) {
  if (job.status === 'FAILED') return <span className="status-bad clamp-3" title={job.error ?? undefined}>{job.error ?? 'failed'}</span>;
  if (job.status !== 'SUCCEEDED') return <span className="muted">—</span>;
  const size = job.size !== undefined ? ` (${formatBytes(job.size)})` : '';
  if (job.location) return <span className="mono small url-cell">{job.location}{size}</span>;
  return <a href={job.downloadUrl ?? href} download>Download<span className="visually-hidden"> {what} {job.id}</span>{size}</a>;
}

export function Exports() {
  const { can } = useSession();
  const operate = can('operate');
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [notice, setNotice] = useNotice();
  const creating = params.get('new') === '1';
  const filter = useMemo(() => {
    const f: Record<string, string | string[]> = {};
    for (const k of new Set(params.keys())) {
      if (k === 'new') continue;
      const vs = params.getAll(k);
      f[k] = vs.length > 1 ? vs : vs[0];
    }
    return f;
  }, [params]);

  const reports = useQuery({
    queryKey: ['findings-reports'],
    queryFn: ({ signal }) => api<{ items: FindingsReport[] }>('/v1/findings-reports', { query: { limit: 100 }, signal }),
    refetchInterval: (q) => (q.state.data?.items.some((r) => running(r.status)) ? 1500 : false),
  });
  const sboms = useQuery({
    queryKey: ['sbom-exports'],
    queryFn: ({ signal }) => api<{ items: (SbomExport & { location?: string; destination?: FindingsReport['destination'] })[] }>('/v1/sbom-exports', { query: { limit: 100 }, signal }),
    refetchInterval: (q) => (q.state.data?.items.some((r) => running(r.status)) ? 1500 : false),
  });

  const reportColumns: ColumnDef<FindingsReport, unknown>[] = [
    { id: 'created', header: 'Asked for', cell: ({ row }) => <span className="nowrap small">{formatTime(row.original.createdAt)}</span> },
    { id: 'format', header: 'Format', cell: ({ row }) => <span className="mono">{row.original.format.toUpperCase()}</span> },
    {
      id: 'filter', header: 'Findings', size: 280, cell: ({ row: { original: r } }) => {
        const words = filterWords(r.filter);
        return <><Link to={withQuery('/findings', r.filter as Record<string, string | string[]>)}>{words || 'ACTIVE findings (no filter)'}</Link>{r.findings !== undefined ? <div className="muted small">{formatCount(r.findings)} finding{r.findings === 1 ? '' : 's'}</div> : null}</>;
      },
    },
    { id: 'destination', header: 'Destination', cell: ({ row }) => <span className="small url-cell">{exportDestinationText(row.original.destination)}</span> },
    { id: 'status', header: 'Status', cell: ({ row }) => <JobStatus status={row.original.status} /> },
    { id: 'output', header: 'Report', size: 220, cell: ({ row: { original: r } }) => <Output job={r} href={`/v1/findings-reports/${encodeURIComponent(r.id)}/download`} what="findings report" /> },
    { id: 'expires', header: 'Kept until', cell: ({ row }) => <span className="nowrap small">{formatTime(row.original.expiresAt)}</span> },
  ];
  const sbomColumns: ColumnDef<SbomExport & { location?: string; destination?: FindingsReport['destination'] }, unknown>[] = [
    { id: 'created', header: 'Asked for', cell: ({ row }) => <span className="nowrap small">{formatTime(row.original.createdAt)}</span> },
    { id: 'format', header: 'Format', cell: ({ row }) => <span className="mono">{row.original.format}</span> },
    { id: 'resources', header: 'Resources', cell: ({ row: { original: x } }) => <>{formatCount(x.resources)}{x.documents !== undefined ? <span className="muted small"> ({formatCount(x.documents)} documents)</span> : null}</> },
    { id: 'destination', header: 'Destination', cell: ({ row }) => <span className="small url-cell">{exportDestinationText(row.original.destination)}</span> },
    { id: 'status', header: 'Status', cell: ({ row }) => <JobStatus status={row.original.status} /> },
    { id: 'output', header: 'Archive', size: 220, cell: ({ row: { original: x } }) => <Output job={x} href={`/v1/sbom-exports/${encodeURIComponent(x.id)}/download`} what="SBOM export" /> },
    { id: 'expires', header: 'Kept until', cell: ({ row }) => <span className="nowrap small">{formatTime(row.original.expiresAt)}</span> },
  ];

  return (
    <>
      <PageHeader
        title="Exports"
        subtitle="Findings reports and SBOM exports: asynchronous jobs that write CSV, JSON, OCSF, ASFF or SBOM archives for download, to a directory, or to an S3 bucket."
        actions={operate && !creating ? <Link className="button" to="/findings" title="Filter the findings, then use Export report…">New report from the findings…</Link> : null}
      />
      {notice}
      {creating && operate ? (
        <ReportForm
          filter={filter}
          onCancel={() => setParams(new URLSearchParams())}
          onCreated={(r) => {
            setParams(new URLSearchParams());
            setNotice(`Report ${r.id} is ${r.status}; it appears below when it is written.`);
            void qc.invalidateQueries({ queryKey: ['findings-reports'] });
          }}
        />
      ) : null}
      {creating && !operate ? <p className="notice">Your role can read reports but not create them (that needs the analyst or admin role).</p> : null}
      <h2 className="section-title">Findings reports</h2>
      <ErrorMessage error={reports.error} />
      <DataTable caption="Findings reports" columns={reportColumns} rows={reports.data?.items} loading={reports.isPending} rowKey={(r) => r.id}
        empty="No findings report in the last 7 days. Open the findings explorer, filter, and use Export report…" />
      <h2 className="section-title">SBOM exports</h2>
      <ErrorMessage error={sboms.error} />
      <DataTable caption="SBOM exports" columns={sbomColumns} rows={sboms.data?.items} loading={sboms.isPending} rowKey={(r) => r.id}
        empty="No SBOM export in the last 7 days. Start one from Resources and coverage with Export SBOMs…" />
    </>
  );
}
