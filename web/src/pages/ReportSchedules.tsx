/**
 * Scheduled reports (issue 19): daily or weekly digests of the account's findings (new, fixed, still
 * open by severity, top risks, coverage), e-mailed and/or POSTed to a webhook destination. The list
 * with schedule in words, recipients, webhook, next and last run; create (`?new=1`) and edit
 * (`?edit=<id>`), delete, "Send now"; a schedule's page has its runs.
 * Calls: GET/POST /v1/report-schedules, PATCH/DELETE …/{id}, POST …/{id}/send,
 * GET /v1/event-destinations (the webhooks to choose from). Writes need admin; sending now, operate.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { ConfirmButton, useNotice } from '../components/admin/widgets.tsx';
import { scheduleText } from '../components/cis/labels.tsx';
import { ErrorMessage, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { ScheduleForm } from '../components/integrations/ScheduleForm.tsx';
import { AccountName, Ago } from '../components/inventory/parts.tsx';
import { formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import type { CisSchedule, EventDestination, ReportRun, ReportSchedule } from '../types.ts';

export function ReportSchedules() {
  const { can, isDelegatedAdmin } = useSession();
  const admin = can('admin');
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [notice, setNotice] = useNotice();
  const list = useQuery({ queryKey: ['report-schedules'], queryFn: ({ signal }) => api<{ items: ReportSchedule[] }>('/v1/report-schedules', { signal }) });
  const dests = useQuery({ queryKey: ['event-destinations'], queryFn: ({ signal }) => api<{ items: EventDestination[] }>('/v1/event-destinations', { signal }) });
  const webhooks = (dests.data?.items ?? []).filter((d) => d.kind === 'webhook');
  const creating = params.get('new') === '1';
  const editId = params.get('edit');
  const editing = editId ? list.data?.items.find((s) => s.id === editId) : undefined;
  const close = () => setParams(new URLSearchParams());
  const refresh = () => qc.invalidateQueries({ queryKey: ['report-schedules'] });

  const send = async (s: ReportSchedule) => {
    const run = await api<ReportRun>(`/v1/report-schedules/${encodeURIComponent(s.id)}/send`, { method: 'POST' });
    await refresh();
    navigate(`/integrations/reports/${encodeURIComponent(s.id)}?run=${encodeURIComponent(run.id)}`);
  };
  const remove = async (s: ReportSchedule) => {
    await api(`/v1/report-schedules/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
    setNotice(`Scheduled report ${s.name} is deleted, with its run history.`);
    if (editId === s.id) close();
    await refresh();
  };

  const columns: ColumnDef<ReportSchedule, unknown>[] = [
    { id: 'name', header: 'Name', cell: ({ row: { original: s } }) => <Link to={`/integrations/reports/${encodeURIComponent(s.id)}`}><strong>{s.name}</strong></Link> },
    ...(isDelegatedAdmin ? [{ id: 'owner', header: 'Account', cell: ({ row }) => <AccountName id={row.original.accountId} /> } as ColumnDef<ReportSchedule, unknown>] : []),
    { id: 'schedule', header: 'Schedule', cell: ({ row }) => <span data-testid="schedule">{scheduleText(row.original.schedule as CisSchedule)}</span> },
    {
      id: 'to', header: 'Sent to', size: 260, cell: ({ row: { original: s } }) => {
        const d = dests.data?.items.find((x) => x.id === s.destinationId);
        return (
          <ul className="criteria-list">
            {s.recipients.map((r) => <li key={r} className="mono small">{r}</li>)}
            {s.destinationId ? <li>webhook <Link to={`/integrations/destinations/${encodeURIComponent(s.destinationId)}`}>{d?.name ?? s.destinationId}</Link></li> : null}
          </ul>
        );
      },
    },
    { id: 'status', header: 'Status', cell: ({ row }) => (row.original.enabled ? <span className="status-ok">Enabled</span> : <span className="muted">Disabled</span>) },
    { id: 'next', header: 'Next run', cell: ({ row }) => (row.original.enabled && row.original.nextRunAt ? <span className="nowrap small">{formatTime(row.original.nextRunAt)}</span> : <span className="muted">—</span>) },
    { id: 'last', header: 'Last run', cell: ({ row }) => <Ago iso={row.original.lastRunAt} never="not yet" /> },
    ...(can('operate') ? [{
      id: 'actions', header: 'Actions', cell: ({ row: { original: s } }) => (
        <div className="row-actions">
          <ConfirmButton label={<>Send now<span className="visually-hidden"> {s.name}</span></>} danger={false} className="" title={`Send ${s.name} now?`} confirmLabel="Send now" onConfirm={() => send(s)}>
            <p>The digest of the period since its previous run is sent now; its schedule is unchanged.</p>
          </ConfirmButton>
          {admin ? (
            <>
              <button type="button" onClick={() => setParams(new URLSearchParams({ edit: s.id }))}>Edit<span className="visually-hidden"> {s.name}</span></button>
              <ConfirmButton label={<>Delete<span className="visually-hidden"> {s.name}</span></>} title={`Delete the scheduled report ${s.name}?`} confirmLabel="Delete scheduled report" onConfirm={() => remove(s)}>
                <p>It is not sent again; its run history is deleted.</p>
              </ConfirmButton>
            </>
          ) : null}
        </div>
      ),
    } as ColumnDef<ReportSchedule, unknown>] : []),
  ];

  const showForm = admin && (creating || editing !== undefined);
  return (
    <>
      <PageHeader
        title="Scheduled reports"
        subtitle="Daily or weekly digests: new, fixed and still open findings by severity, the top risks and coverage, by e-mail and/or to a webhook."
        actions={admin && !showForm ? <button type="button" className="primary" onClick={() => setParams(new URLSearchParams({ new: '1' }))}>New scheduled report</button> : null}
      />
      {notice}
      {!admin && (creating || editId) ? <p className="notice">Your role can read scheduled reports but not change them (that needs the admin role).</p> : null}
      {editId && list.data && !editing ? <ErrorMessage error={new Error(`there is no scheduled report ${editId} in sight`)} /> : null}
      {showForm ? (
        <ScheduleForm key={editing?.id ?? 'new'} existing={editing} webhooks={webhooks} onCancel={close}
          onSaved={(s) => { close(); setNotice(`Scheduled report ${s.name} is ${editing ? 'saved' : 'created'}${s.enabled && s.nextRunAt ? `; next run ${formatTime(s.nextRunAt)}` : ''}.`); void refresh(); }} />
      ) : null}
      <ErrorMessage error={list.error} />
      <DataTable caption="Scheduled reports" columns={columns} rows={list.data?.items} loading={list.isPending} rowKey={(s) => s.id} empty="No scheduled report yet." />
      {!admin ? <p className="muted small">Creating, changing and deleting scheduled reports needs the admin role; sending one now, the analyst role.</p> : null}
    </>
  );
}
