/**
 * One target (`/targets/:kind/:id`): its status and last error, its config (credentials only as
 * set / not set: the API never returns them), where its webhooks go, and its resources with their
 * coverage. Poll or scan now (operate), delete (admin).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api.ts';
import { componentSchema, fieldsOf, humanize, isSecretField, useOpenApi } from '../components/admin/SchemaForm.tsx';
import { ConfirmButton, CopyField, useNotice } from '../components/admin/widgets.tsx';
import { Card, Empty, ErrorMessage, Fields, Loading, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { coverageOf, deleteConsequence, kindInfo } from '../components/targets/kinds.ts';
import { formatAgo, formatTime, shortDigest } from '../format.ts';
import { useSession } from '../session.tsx';
import type { Account, Page, Target as TargetT, TargetResource } from '../types.ts';
import { TargetStatus } from './Targets.tsx';

function configValue(name: string, v: unknown, secret: boolean): ReactNode {
  // the API shows each credential as a boolean: set or not
  if (secret && (typeof v === 'boolean' || v === undefined)) return v === true ? <span className="status-ok">set</span> : <span className="muted">not set</span>;
  if (v === undefined || v === null || v === '') return <span className="muted">not set (default)</span>;
  if (Array.isArray(v)) return v.length ? v.map((x) => <span key={String(x)} className="tag">{String(x)}</span>) : <span className="muted">none</span>;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return <code>{JSON.stringify(v)}</code>;
  return name === 'url' || name === 'path' || name === 'address' ? <code>{String(v)}</code> : String(v);
}

export function Target() {
  const { kind, id = '' } = useParams();
  const info = kindInfo(kind);
  const { can, isDelegatedAdmin } = useSession();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const doc = useOpenApi();
  const [notice, setNotice] = useNotice();
  const [actionError, setActionError] = useState<unknown>(null);
  const q = useQuery({
    queryKey: ['target', info?.kind, id],
    queryFn: () => api<TargetT>(`/v1/${info!.plural}/${encodeURIComponent(id)}`),
    enabled: Boolean(info),
  });
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => api<Page<Account>>('/v1/accounts'), enabled: isDelegatedAdmin });
  const schema = info ? componentSchema(doc.data, info.schema) : null;
  const fields = useMemo(() => (schema ? fieldsOf(schema, doc.data) : []), [schema, doc.data]);

  if (!info) {
    return (
      <>
        <PageHeader title="Target" />
        <ErrorMessage error={new Error(`"${kind}" is not a kind of target (registry, host, function, repository, rootfs)`)} />
      </>
    );
  }
  const t = q.data;
  const title = t ? `${humanize(info.one)}: ${t.name}` : humanize(info.one);
  const back = <Link to={`/targets?kind=${info.kind}`}>← {info.label}</Link>;

  const poll = async () => {
    setActionError(null);
    try {
      const r = await api<{ queued: boolean }>(`/v1/${info.plural}/${encodeURIComponent(id)}/poll`, { method: 'POST' });
      setNotice(r.queued ? `${info.pollLabel.replace(' now', '')} queued.` : 'Nothing queued (a run is already waiting).');
      await qc.invalidateQueries({ queryKey: ['target', info.kind, id] });
    } catch (e) {
      setActionError(e);
    }
  };
  const scanResource = async (r: TargetResource) => {
    setActionError(null);
    try {
      await api(`/v1/resources/${encodeURIComponent(r.id)}/scan`, { method: 'POST' });
      setNotice(`Scan of ${r.name} queued.`);
    } catch (e) {
      setActionError(e);
    }
  };
  const remove = async () => {
    await api(`/v1/${info.plural}/${encodeURIComponent(id)}`, { method: 'DELETE' });
    await qc.invalidateQueries({ queryKey: ['targets', info.kind] });
    qc.removeQueries({ queryKey: ['target', info.kind, id] });
    navigate(`/targets?kind=${info.kind}`);
  };

  const resourceColumns: ColumnDef<TargetResource, unknown>[] = [
    { id: 'name', header: 'Resource', cell: ({ row }) => <Link to={`/resources/${encodeURIComponent(row.original.id)}`}>{row.original.name}</Link> },
    { id: 'digest', header: 'Digest', cell: ({ row }) => <code title={row.original.digest ?? undefined}>{shortDigest(row.original.digest)}</code> },
    { id: 'tags', header: 'Tags', cell: ({ row }) => (row.original.tags.length ? row.original.tags.slice(0, 6).map((x) => <span key={x} className="tag">{x}</span>) : <span className="muted">—</span>) },
    {
      id: 'coverage', header: 'Coverage', cell: ({ row }) => (
        <span className={row.original.coverageStatus === 'ACTIVE' ? 'status-ok' : 'status-bad'}>
          {row.original.coverageStatus}{row.original.coverageReason ? <span className="reason"> · {row.original.coverageReason}</span> : null}
        </span>
      ),
    },
    { id: 'lastScannedAt', header: 'Last scanned', cell: ({ row }) => <span title={formatTime(row.original.lastScannedAt)}>{formatAgo(row.original.lastScannedAt)}</span> },
    { id: 'lastError', header: 'Last error', cell: ({ row }) => (row.original.lastError ? <span className="cell-error" title={row.original.lastError}>{row.original.lastError}</span> : <span className="muted">none</span>) },
    ...(can('operate') ? [{
      id: 'actions', header: 'Actions',
      cell: ({ row }) => <button type="button" onClick={() => void scanResource(row.original)} aria-label={`Scan now: ${row.original.name}`}>Scan now</button>,
    } as ColumnDef<TargetResource, unknown>] : []),
  ];

  const configEntries: [string, ReactNode][] = t ? [
    ...fields.map((f): [string, ReactNode] => [f.label, configValue(f.name, t.config[f.name], f.kind === 'secret' || f.kind === 'secret-multiline')]),
    // fields the schema does not list (an older server's, or no schema at all)
    ...Object.keys(t.config).filter((k) => !fields.some((f) => f.name === k)).map((k): [string, ReactNode] => [humanize(k), configValue(k, t.config[k], isSecretField(k))]),
  ] : [];
  const cov = t ? coverageOf(t.resources) : null;
  const endpoint = info.kind === 'registry' ? `/v1/registries/${encodeURIComponent(id)}/notifications`
    : info.kind === 'repository' ? `/v1/repositories/${encodeURIComponent(id)}/webhook`
      : info.kind === 'function' ? `/v1/functions/${encodeURIComponent(id)}/versions` : null;

  return (
    <>
      <p className="breadcrumb">{back}</p>
      <PageHeader
        title={title}
        subtitle={t ? <><code>{t.id}</code> · registered {formatTime(t.createdAt)}</> : null}
        actions={t && can('operate') ? (
          <>
            <button type="button" onClick={() => void poll()}>{info.pollLabel}</button>
            {can('admin') ? (
              <ConfirmButton label={`Delete ${info.one}`} title={`Stop watching ${t.name}?`} confirmLabel={`Delete ${info.one}`} onConfirm={remove}>
                <p>{deleteConsequence(info, t.resources.length)}</p>
              </ConfirmButton>
            ) : null}
          </>
        ) : null}
      />
      {q.isPending ? <Loading /> : null}
      <ErrorMessage error={q.error} />
      {notice}
      <ErrorMessage error={actionError} />
      {t ? (
        <>
          {t.lastError ? (
            <div className="error last-error" role="alert">
              <strong>Last {info.kind === 'function' ? 'scan' : 'poll'} failed{t.lastPolledAt ? ` (${formatTime(t.lastPolledAt)})` : ''}:</strong>
              <pre>{t.lastError}</pre>
            </div>
          ) : null}
          <div className="grid cols-2">
            <Card title="Status">
              <Fields items={[
                ['Status', <TargetStatus key="s" t={t} />],
                ['Last polled', <span key="l" title={formatTime(t.lastPolledAt)}>{t.lastPolledAt ? `${formatAgo(t.lastPolledAt)} (${formatTime(t.lastPolledAt)})` : 'never'}</span>],
                ['Next poll', t.nextPollAt ? formatTime(t.nextPollAt) : 'on demand only'],
                ['Resources scanned', cov && cov.total ? `${cov.active} of ${cov.total}` : 'none yet'],
                ['Account', isDelegatedAdmin ? (accounts.data?.items.find((a) => a.id === t.accountId)?.name ?? t.accountId) : t.accountId],
                ['Updated', formatTime(t.updatedAt)],
              ]} />
            </Card>
            <Card title="Configuration">
              {configEntries.length ? <Fields items={configEntries} /> : <Empty>No settings.</Empty>}
              {fields.some((f) => f.kind === 'secret' || f.kind === 'secret-multiline') || Object.keys(t.config).some((k) => isSecretField(k))
                ? <p className="hint">Credentials are stored sealed and never shown again: only whether each is set.</p> : null}
            </Card>
          </div>
          {endpoint ? (
            <Card title={info.kind === 'function' ? 'Uploads' : info.kind === 'registry' ? 'Notifications endpoint' : 'Push webhook endpoint'} className="spaced">
              <CopyField label={info.kind === 'registry' ? 'Notifications URL' : info.kind === 'repository' ? 'Push webhook URL' : 'Versions upload URL'} value={new URL(endpoint, window.location.origin).toString()} />
              <p className="hint">
                {info.kind === 'registry' ? 'The registry must send Authorization: Bearer <notification token>, shown once when the registry was registered.'
                  : info.kind === 'repository' ? 'GitHub signs with the webhook secret (X-Hub-Signature-256), GitLab sends it as X-Gitlab-Token; the secret was shown once at registration.'
                    : 'POST the code zip (Content-Type: application/zip) with an API key of role analyst or admin; ?layers=<digest>,… names uploaded layers.'}
              </p>
            </Card>
          ) : null}
          <h2 className="section-title">Resources ({t.resources.length})</h2>
          <DataTable
            caption={`Resources of ${t.name}`}
            columns={resourceColumns}
            rows={t.resources}
            rowKey={(r) => r.id}
            empty={info.kind === 'function' ? 'No version uploaded yet.' : 'No resources found yet: they appear after the first poll.'}
          />
        </>
      ) : null}
    </>
  );
}
