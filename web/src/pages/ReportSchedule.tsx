/**
 * One scheduled report (issue 19): its settings and its runs, newest first — trigger (schedule or
 * "Send now"), period, status, attempts, error, and what was sent (new, fixed, open by severity,
 * resources). A run just asked for (`?run=<id>`) is polled until it is sent or failed.
 * Calls: GET /v1/report-schedules/{id}, GET …/{id}/runs, POST …/{id}/send (operate),
 * GET /v1/event-destinations/{id} (the webhook's name).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/admin/widgets.tsx';
import { scheduleText } from '../components/cis/labels.tsx';
import { Card, ErrorMessage, Fields, Loading, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { JobStatus } from '../components/integrations/labels.tsx';
import { AccountName } from '../components/inventory/parts.tsx';
import { formatCount, formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import type { CisSchedule, EventDestination, ReportRun, ReportSchedule as Schedule } from '../types.ts';

/** "3 new · 1 fixed · 12 open (2 CRITICAL, 4 HIGH) · 9 resources" */
function summaryText(s: Record<string, unknown>): string {
  const n = (k: string) => (typeof s[k] === 'number' ? formatCount(s[k] as number) : '—');
  const sev = Object.entries((s.openBySeverity ?? {}) as Record<string, number>).filter(([, v]) => v).map(([k, v]) => `${v} ${k}`);
  return `${n('new')} new · ${n('fixed')} fixed · ${n('open')} open${sev.length ? ` (${sev.join(', ')})` : ''} · ${n('resources')} resources`;
}

export function ReportSchedule() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const qc = useQueryClient();
  const [params] = useSearchParams();
  const path = `/v1/report-schedules/${encodeURIComponent(id)}`;
  const s = useQuery({ queryKey: ['report-schedules', id], queryFn: ({ signal }) => api<Schedule>(path, { signal }) });
  const runs = useQuery({
    queryKey: ['report-schedules', id, 'runs'],
    queryFn: ({ signal }) => api<{ items: ReportRun[] }>(`${path}/runs`, { query: { limit: 200 }, signal }),
    enabled: s.isSuccess,
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === 'QUEUED') ? 1500 : false),
  });
  const destinationId = s.data?.destinationId;
  const dest = useQuery({
    queryKey: ['event-destinations', destinationId],
    queryFn: ({ signal }) => api<EventDestination>(`/v1/event-destinations/${encodeURIComponent(destinationId!)}`, { signal }),
    enabled: Boolean(destinationId),
  });
  if (s.isPending) return <><PageHeader title="Scheduled report" /><Loading /></>;
  if (s.isError) return <><PageHeader title="Scheduled report" /><ErrorMessage error={s.error} /><p><Link to="/integrations/reports">Back to scheduled reports</Link></p></>;
  const sc = s.data;
  const highlight = params.get('run');
  const columns: ColumnDef<ReportRun, unknown>[] = [
    { id: 'created', header: 'Run', cell: ({ row: { original: r } }) => <span className="nowrap small">{formatTime(r.createdAt)}{r.id === highlight ? <strong> (just asked for)</strong> : null}</span> },
    { id: 'trigger', header: 'Trigger', cell: ({ row }) => (row.original.trigger === 'api' ? 'Send now' : 'schedule') },
    { id: 'period', header: 'Period', cell: ({ row: { original: r } }) => <span className="small">{formatTime(r.periodFrom)} – {formatTime(r.periodTo)}</span> },
    { id: 'status', header: 'Status', cell: ({ row }) => <JobStatus status={row.original.status} /> },
    { id: 'attempts', header: 'Attempts', cell: ({ row }) => row.original.attempts },
    {
      id: 'sent', header: 'Sent', size: 320, cell: ({ row: { original: r } }) => (r.error
        ? <span className="status-bad clamp-3" title={r.error}>{r.error}</span>
        : r.summary ? <span className="small">{summaryText(r.summary)}</span> : <span className="muted">—</span>),
    },
  ];
  return (
    <>
      <PageHeader
        title={sc.name}
        subtitle={<>Scheduled report · <Link to="/integrations/reports">All scheduled reports</Link></>}
        actions={(
          <>
            {can('operate') ? (
              <ConfirmButton label="Send now" danger={false} className="primary" title={`Send ${sc.name} now?`} confirmLabel="Send now"
                onConfirm={async () => { await api(`${path}/send`, { method: 'POST' }); await qc.invalidateQueries({ queryKey: ['report-schedules', id] }); }}>
                <p>The digest of the period since its previous run is sent now; its schedule is unchanged.</p>
              </ConfirmButton>
            ) : null}
            {can('admin') ? <Link className="button" to={`/integrations/reports?edit=${encodeURIComponent(sc.id)}`}>Edit</Link> : null}
          </>
        )}
      />
      <Card title="Settings" className="finding-card">
        <Fields items={[
          ['Schedule', scheduleText(sc.schedule as CisSchedule)],
          ['Recipients', sc.recipients.length ? sc.recipients.join(', ') : 'none'],
          ['Webhook', sc.destinationId ? <Link key="d" to={`/integrations/destinations/${encodeURIComponent(sc.destinationId)}`}>{dest.data?.name ?? sc.destinationId}</Link> : 'none'],
          ['Status', sc.enabled ? 'Enabled' : 'Disabled'],
          ['Next run', sc.enabled ? formatTime(sc.nextRunAt) : '—'],
          ['Last run', formatTime(sc.lastRunAt)],
          ['Account', <AccountName key="a" id={sc.accountId} />],
        ]} />
      </Card>
      <h2 className="section-title">Runs</h2>
      <ErrorMessage error={runs.error} />
      <DataTable caption={`Runs of ${sc.name}`} columns={columns} rows={runs.data?.items} loading={runs.isPending} rowKey={(r) => r.id} empty="Not sent yet." />
    </>
  );
}
