/**
 * Event destinations (issue 19): where the account's events are pushed — webhooks (CloudEvents,
 * OCSF, ASFF), Slack, Microsoft Teams, Jira — each with its kind, name, filters in words, status and
 * last delivery; create (`?new=1`) and edit (`?edit=<id>`) through DestinationForm, delete with
 * confirmation; a new destination's signing secret is shown once. Its page has the delivery log.
 * Calls: GET/POST /v1/event-destinations, PATCH/DELETE …/{id}, GET …/{id}/deliveries?limit=1.
 * Writes need the admin role (they send data out of Vigil).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { ConfirmButton, CopyField, ShownOnce, useNotice } from '../components/admin/widgets.tsx';
import { ErrorMessage, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { DestinationForm } from '../components/integrations/DestinationForm.tsx';
import { filtersText, findingsOnly, FORMAT_NAMES, JobStatus, KIND_NAMES } from '../components/integrations/labels.tsx';
import { AccountName, Ago } from '../components/inventory/parts.tsx';
import { formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import type { EventDelivery, EventDestination } from '../types.ts';

/** The newest delivery of a destination: its status and when. */
function LastDelivery({ id }: { id: string }) {
  const q = useQuery({
    queryKey: ['event-destinations', id, 'deliveries', 'last'],
    queryFn: ({ signal }) => api<{ items: EventDelivery[] }>(`/v1/event-destinations/${encodeURIComponent(id)}/deliveries`, { query: { limit: 1 }, signal }),
  });
  const d = q.data?.items[0];
  if (q.isPending) return <span className="muted">…</span>;
  if (!d) return <span className="muted">none yet</span>;
  return <span><JobStatus status={d.status} /> <span className="small">{d.eventType}</span><br /><span className="small" title={formatTime(d.deliveredAt ?? d.lastAttemptAt ?? d.createdAt)}><Ago iso={d.deliveredAt ?? d.lastAttemptAt ?? d.createdAt} /></span></span>;
}

export function Destinations() {
  const { can, isDelegatedAdmin } = useSession();
  const admin = can('admin');
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [notice, setNotice] = useNotice();
  const [created, setCreated] = useState<EventDestination | null>(null);
  const list = useQuery({ queryKey: ['event-destinations'], queryFn: ({ signal }) => api<{ items: EventDestination[] }>('/v1/event-destinations', { signal }) });
  const creating = params.get('new') === '1';
  const editId = params.get('edit');
  const editing = editId ? list.data?.items.find((d) => d.id === editId) : undefined;
  const close = () => setParams(new URLSearchParams());
  const refresh = () => qc.invalidateQueries({ queryKey: ['event-destinations'] });

  const remove = async (d: EventDestination) => {
    await api(`/v1/event-destinations/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
    setNotice(`Destination ${d.name} is deleted, with its delivery log.`);
    if (editId === d.id) close();
    await refresh();
  };

  const columns: ColumnDef<EventDestination, unknown>[] = [
    {
      id: 'name', header: 'Name', size: 220, cell: ({ row: { original: d } }) => (
        <>
          <Link to={`/integrations/destinations/${encodeURIComponent(d.id)}`}><strong>{d.name}</strong></Link>
          <div className="muted small mono url-cell" title={d.url}>{d.url}</div>
        </>
      ),
    },
    {
      id: 'kind', header: 'Kind', cell: ({ row: { original: d } }) => (
        <>{KIND_NAMES[d.kind]}{d.kind === 'webhook' ? <div className="muted small">{FORMAT_NAMES[d.format]}</div> : null}{d.jira ? <div className="muted small">project {d.jira.projectKey}</div> : null}</>
      ),
    },
    ...(isDelegatedAdmin ? [{ id: 'owner', header: 'Account', cell: ({ row }) => <AccountName id={row.original.accountId} /> } as ColumnDef<EventDestination, unknown>] : []),
    { id: 'filters', header: 'Sends', size: 280, cell: ({ row: { original: d } }) => <ul className="criteria-list">{filtersText(d.filters, findingsOnly(d)).map((t) => <li key={t}>{t}</li>)}</ul> },
    { id: 'status', header: 'Status', cell: ({ row }) => (row.original.enabled ? <span className="status-ok">Enabled</span> : <span className="muted">Disabled</span>) },
    { id: 'last', header: 'Last delivery', cell: ({ row }) => <LastDelivery id={row.original.id} /> },
    ...(admin ? [{
      id: 'actions', header: 'Actions', cell: ({ row: { original: d } }) => (
        <div className="row-actions">
          <button type="button" onClick={() => setParams(new URLSearchParams({ edit: d.id }))}>Edit<span className="visually-hidden"> {d.name}</span></button>
          <ConfirmButton label={<>Delete<span className="visually-hidden"> {d.name}</span></>} title={`Delete the destination ${d.name}?`} confirmLabel="Delete destination" onConfirm={() => remove(d)}>
            <p>No more events go to it; its delivery log and dead letters are deleted.</p>
          </ConfirmButton>
        </div>
      ),
    } as ColumnDef<EventDestination, unknown>] : []),
  ];

  const showForm = admin && (creating || editing !== undefined);
  return (
    <>
      <PageHeader
        title="Event destinations"
        subtitle="Where findings and scan events are pushed as they happen: signed webhooks (CloudEvents, OCSF, ASFF), Slack, Microsoft Teams and Jira."
        actions={admin && !showForm ? <button type="button" className="primary" onClick={() => { setCreated(null); setParams(new URLSearchParams({ new: '1' })); }}>New destination</button> : null}
      />
      {notice}
      {created ? (
        <ShownOnce title={`Destination ${created.name} is created`} onDone={() => setCreated(null)}>
          {created.secret ? (
            <>
              <p>Receivers verify each request's <code>Vigil-Signature</code> header (HMAC-SHA256 over the timestamp and the body) with this secret, and reject a timestamp more than five minutes from their clock (the replay window).</p>
              <CopyField label="Signing secret" value={created.secret} />
            </>
          ) : <p>It authenticates with the API token you gave; there is no signing secret.</p>}
        </ShownOnce>
      ) : null}
      {!admin && (creating || editId) ? <p className="notice">Your role can read event destinations but not change them (that needs the admin role).</p> : null}
      {editId && list.data && !editing ? <ErrorMessage error={new Error(`there is no event destination ${editId} in sight`)} /> : null}
      {showForm ? (
        <DestinationForm
          key={editing?.id ?? 'new'}
          existing={editing}
          onCancel={close}
          onSaved={(d) => {
            close();
            if (editing) setNotice(`Destination ${d.name} is saved.`);
            else setCreated(d);
            void refresh();
          }}
        />
      ) : null}
      <ErrorMessage error={list.error} />
      <DataTable
        caption="Event destinations"
        columns={columns}
        rows={list.data?.items}
        loading={list.isPending}
        rowKey={(d) => d.id}
        empty={admin ? 'No event destination yet: events stay in GET /v1/events until you add one.' : 'No event destination yet.'}
      />
      {!admin ? <p className="muted small">Creating, changing and deleting destinations needs the admin role.</p> : null}
    </>
  );
}
