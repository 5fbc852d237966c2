/**
 * One event destination (issue 19): what it is and sends (filters in words), its delivery log
 * (event, status, attempts, response code, last error, times; filter by status in the URL:
 * `?status=DEAD` is the dead letters) and **Redeliver** for a dead letter or a pending delivery
 * (its attempts counted afresh). Calls: GET /v1/event-destinations/{id},
 * GET …/{id}/deliveries?status=, POST …/{id}/deliveries/{deliveryId}/redeliver (operate).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { useNotice } from '../components/admin/widgets.tsx';
import { Card, ErrorMessage, Fields, Loading, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { filtersText, findingsOnly, FORMAT_NAMES, JobStatus, KIND_NAMES } from '../components/integrations/labels.tsx';
import { AccountName } from '../components/inventory/parts.tsx';
import { formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import type { DeliveryStatus, EventDelivery, EventDestination } from '../types.ts';

const STATUSES: { value: DeliveryStatus | ''; label: string }[] = [
  { value: '', label: 'All' }, { value: 'DEAD', label: 'Dead letters' }, { value: 'PENDING', label: 'Pending' }, { value: 'DELIVERED', label: 'Delivered' },
];

export function Destination() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [notice, setNotice] = useNotice();
  const [redeliverError, setRedeliverError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const status = (params.get('status') ?? '') as DeliveryStatus | '';
  const path = `/v1/event-destinations/${encodeURIComponent(id)}`;
  const d = useQuery({ queryKey: ['event-destinations', id], queryFn: ({ signal }) => api<EventDestination>(path, { signal }) });
  const deliveries = useQuery({
    queryKey: ['event-destinations', id, 'deliveries', status],
    queryFn: ({ signal }) => api<{ items: EventDelivery[] }>(`${path}/deliveries`, { query: { status: status || undefined, limit: 200 }, signal }),
    enabled: d.isSuccess,
  });
  const dead = useQuery({
    queryKey: ['event-destinations', id, 'deliveries', 'DEAD'],
    queryFn: ({ signal }) => api<{ items: EventDelivery[] }>(`${path}/deliveries`, { query: { status: 'DEAD', limit: 1000 }, signal }),
    enabled: d.isSuccess,
  });

  const redeliver = async (x: EventDelivery) => {
    setBusy(x.id);
    setRedeliverError(null);
    try {
      await api<EventDelivery>(`${path}/deliveries/${encodeURIComponent(x.id)}/redeliver`, { method: 'POST' });
      setNotice(`Event ${x.eventId} (${x.eventType}) is queued for delivery again.`);
      await qc.invalidateQueries({ queryKey: ['event-destinations', id] });
    } catch (e) {
      setRedeliverError(e);
    } finally {
      setBusy(null);
    }
  };

  if (d.isPending) return <><PageHeader title="Event destination" /><Loading /></>;
  if (d.isError) return <><PageHeader title="Event destination" /><ErrorMessage error={d.error} /><p><Link to="/integrations/destinations">Back to event destinations</Link></p></>;
  const dest = d.data;
  const operate = can('operate');

  const columns: ColumnDef<EventDelivery, unknown>[] = [
    { id: 'event', header: 'Event', cell: ({ row: { original: x } }) => <><span className="mono">#{x.eventId}</span> {x.eventType}</> },
    { id: 'status', header: 'Status', cell: ({ row }) => <JobStatus status={row.original.status} /> },
    { id: 'attempts', header: 'Attempts', cell: ({ row }) => <span className="num">{row.original.attempts}</span> },
    { id: 'response', header: 'Response', cell: ({ row: { original: x } }) => (x.responseStatus !== null ? <span className={x.responseStatus < 300 ? 'status-ok' : 'status-bad'}>HTTP {x.responseStatus}</span> : <span className="muted">—</span>) },
    { id: 'error', header: 'Last error', size: 280, cell: ({ row: { original: x } }) => (x.lastError ? <span className="clamp-3 delivery-error" title={x.lastError}>{x.lastError}</span> : <span className="muted">—</span>) },
    {
      id: 'time', header: 'Time', cell: ({ row: { original: x } }) => (
        <span className="small nowrap">
          {x.deliveredAt ? <>delivered {formatTime(x.deliveredAt)}</> : x.lastAttemptAt ? <>last tried {formatTime(x.lastAttemptAt)}</> : <>queued {formatTime(x.createdAt)}</>}
          {x.nextAttemptAt ? <><br />next try {formatTime(x.nextAttemptAt)}</> : null}
        </span>
      ),
    },
    ...(operate ? [{
      id: 'actions', header: 'Actions', cell: ({ row: { original: x } }) => (x.status === 'DELIVERED' ? null : (
        <button type="button" onClick={() => void redeliver(x)} disabled={busy !== null}>{busy === x.id ? 'Queuing…' : 'Redeliver'}<span className="visually-hidden"> event {x.eventId}</span></button>
      )),
    } as ColumnDef<EventDelivery, unknown>] : []),
  ];
  const deadCount = dead.data?.items.length ?? 0;
  return (
    <>
      <PageHeader
        title={dest.name}
        subtitle={<>{KIND_NAMES[dest.kind]} event destination · <Link to="/integrations/destinations">All destinations</Link></>}
        actions={can('admin') ? <Link className="button" to={`/integrations/destinations?edit=${encodeURIComponent(dest.id)}`}>Edit</Link> : null}
      />
      {notice}
      <Card title="Destination" className="finding-card">
        <Fields items={[
          ['URL', <span className="mono url-cell" key="u">{dest.url}</span>],
          ['Kind', KIND_NAMES[dest.kind]],
          ...(dest.kind === 'webhook' ? [['Format', FORMAT_NAMES[dest.format]] as [string, string]] : []),
          ...(dest.aws ? [['Security Hub', `account ${dest.aws.accountId}, ${dest.aws.region}`] as [string, string]] : []),
          ...(dest.jira ? [['Jira', `project ${dest.jira.projectKey}, issue type ${dest.jira.issueType}, as ${dest.jira.email}, closed by "${dest.jira.closeTransition}"`] as [string, string]] : []),
          ['Sends', filtersText(dest.filters, findingsOnly(dest)).join('; ')],
          ['Status', dest.enabled ? <span className="status-ok" key="s">Enabled</span> : <span className="muted" key="s">Disabled</span>],
          ['Account', <AccountName id={dest.accountId} key="a" />],
          ['Created', formatTime(dest.createdAt)],
          ['Changed', formatTime(dest.updatedAt)],
        ]} />
      </Card>
      <h2 className="section-title">Deliveries</h2>
      {deadCount ? (
        <p className="notice warn" role="status">
          <strong>{deadCount} dead letter{deadCount === 1 ? '' : 's'}</strong>: events that failed every attempt. {status !== 'DEAD' ? <Link to="?status=DEAD">Show them</Link> : null}{operate ? ' Redeliver one once the receiver works again.' : ''}
        </p>
      ) : null}
      <div className="inline-form" role="group" aria-label="Show deliveries">
        {STATUSES.map((s) => (
          <button key={s.value} type="button" aria-pressed={status === s.value} className={status === s.value ? 'primary' : undefined}
            onClick={() => setParams(s.value ? new URLSearchParams({ status: s.value }) : new URLSearchParams())}>{s.label}</button>
        ))}
      </div>
      <ErrorMessage error={redeliverError} />
      <ErrorMessage error={deliveries.error} />
      <DataTable
        caption={`Deliveries to ${dest.name}`}
        columns={columns}
        rows={deliveries.data?.items}
        loading={deliveries.isPending}
        rowKey={(x) => x.id}
        empty={status === 'DEAD' ? 'No dead letter.' : status ? `No ${status.toLowerCase()} delivery.` : 'Nothing delivered yet: deliveries appear here as events matching the filters happen.'}
      />
    </>
  );
}
