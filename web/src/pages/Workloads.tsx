/**
 * Running workloads (issue 19): the Kubernetes API servers Vigil polls for pods (name, server,
 * interval, last poll and its error; add with the API server URL and a token, delete), and an upload
 * of a cluster's pods (`kubectl get pods -A -o json`) or an ECS cluster's tasks (`aws ecs
 * describe-tasks`) that replaces that cluster's snapshot. Images in use follow: the Resources page's
 * "In use" column and filter, each image's Resource page, the findings' inUse filter and score.
 * Calls: GET/POST /v1/workloads/kubernetes/clusters, DELETE …/{name}, POST /v1/workloads/kubernetes,
 * POST /v1/workloads/ecs. Changes need the analyst or admin role.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { ConfirmButton, useNotice } from '../components/admin/widgets.tsx';
import { Card, ErrorMessage, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { fieldErrors } from '../components/integrations/fields.tsx';
import { AccountName, Ago } from '../components/inventory/parts.tsx';
import { formatBytes, formatCount, formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import type { WorkloadCluster, WorkloadSnapshot } from '../types.ts';

/** the server's limit on one upload (MAX_WORKLOAD_BYTES) */
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

function AddCluster({ onAdded }: { onAdded: (c: WorkloadCluster) => void }) {
  const ids = useId();
  const [name, setName] = useState('');
  const [server, setServer] = useState('');
  const [token, setToken] = useState('');
  const [caData, setCaData] = useState('');
  const [interval, setInterval] = useState('15');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fe = fieldErrors(error, ['name', 'server', 'token', 'caData', 'intervalMinutes']);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const c = await api<WorkloadCluster>('/v1/workloads/kubernetes/clusters', {
        method: 'POST', body: { name: name.trim(), server: server.trim(), token: token.trim(), ...(caData.trim() ? { caData: caData.trim() } : {}), intervalMinutes: Number(interval) },
      });
      setName(''); setServer(''); setToken(''); setCaData('');
      onAdded(c);
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };
  const aria = (f: string) => ({ 'aria-invalid': fe.invalid(f) || undefined, 'aria-describedby': fe.invalid(f) ? `${ids}-${f}-err` : undefined });
  return (
    <Card title="Add a Kubernetes cluster" className="finding-card">
      <form className="stacked" aria-label="Add a Kubernetes cluster" onSubmit={submit} noValidate>
        <label htmlFor={`${ids}-name`}>Name <span className="hint">a cluster of this name is replaced</span></label>
        <input id={`${ids}-name`} value={name} required onChange={(e) => setName(e.target.value)} {...aria('name')} placeholder="prod-eu" />
        {fe.at('name', `${ids}-name-err`)}
        <label htmlFor={`${ids}-server`}>API server URL</label>
        <input id={`${ids}-server`} type="url" className="mono" value={server} required onChange={(e) => setServer(e.target.value)} {...aria('server')} placeholder="https://k8s.example.com:6443" />
        {fe.at('server', `${ids}-server-err`)}
        <label htmlFor={`${ids}-token`}>Token <span className="hint">a bearer token that may list pods in every namespace; sealed at rest, never shown</span></label>
        <input id={`${ids}-token`} type="password" autoComplete="off" value={token} required onChange={(e) => setToken(e.target.value)} {...aria('token')} />
        {fe.at('token', `${ids}-token-err`)}
        <label htmlFor={`${ids}-ca`}>CA certificate (optional) <span className="hint">PEM, or kubeconfig's certificate-authority-data</span></label>
        <textarea id={`${ids}-ca`} rows={3} className="mono" value={caData} onChange={(e) => setCaData(e.target.value)} {...aria('caData')} />
        {fe.at('caData', `${ids}-caData-err`)}
        <label htmlFor={`${ids}-interval`}>Poll every (minutes)</label>
        <input id={`${ids}-interval`} type="number" min={1} max={1440} value={interval} onChange={(e) => setInterval(e.target.value)} {...aria('intervalMinutes')} />
        {fe.at('intervalMinutes', `${ids}-intervalMinutes-err`)}
        {fe.rest}
        <div className="form-actions"><button type="submit" className="primary" disabled={busy || !name.trim() || !server.trim() || !token}>{busy ? 'Adding…' : 'Add cluster'}</button></div>
      </form>
    </Card>
  );
}

function Upload({ onDone }: { onDone: (s: WorkloadSnapshot, kind: string) => void }) {
  const ids = useId();
  const [kind, setKind] = useState<'kubernetes' | 'ecs'>('kubernetes');
  const [cluster, setCluster] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const tooLarge = file !== null && file.size > MAX_UPLOAD_BYTES;
  const fe = fieldErrors(error, ['cluster', 'pods', 'tasks']);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      let json: unknown;
      try {
        json = JSON.parse(await file.text());
      } catch (x) {
        throw new Error(`${file.name} is not JSON (${(x as Error).message}): upload the output of ${kind === 'ecs' ? 'aws ecs describe-tasks' : 'kubectl get pods -A -o json'}`);
      }
      const body = kind === 'kubernetes' ? { cluster: cluster.trim(), pods: json } : { cluster: cluster.trim(), tasks: json };
      onDone(await api<WorkloadSnapshot>(`/v1/workloads/${kind}`, { method: 'POST', body }), kind);
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Upload running workloads" className="finding-card">
      <form className="stacked" aria-label="Upload running workloads" onSubmit={submit} noValidate>
        <fieldset className="check-row">
          <legend>What</legend>
          <label className="check"><input type="radio" name={`${ids}-kind`} checked={kind === 'kubernetes'} onChange={() => setKind('kubernetes')} /> Kubernetes pods (<code>kubectl get pods -A -o json</code>)</label>
          <label className="check"><input type="radio" name={`${ids}-kind`} checked={kind === 'ecs'} onChange={() => setKind('ecs')} /> ECS tasks (<code>aws ecs describe-tasks</code>)</label>
        </fieldset>
        <label htmlFor={`${ids}-cluster`}>Cluster name <span className="hint">the snapshot of this name is replaced</span></label>
        <input id={`${ids}-cluster`} value={cluster} required onChange={(e) => setCluster(e.target.value)} aria-invalid={fe.invalid('cluster') || undefined} />
        {fe.at('cluster')}
        <label htmlFor={`${ids}-file`}>JSON file</label>
        <input id={`${ids}-file`} type="file" accept=".json,application/json" onChange={(e) => setFile(e.target.files?.[0] ?? null)} aria-invalid={fe.invalid(kind === 'ecs' ? 'tasks' : 'pods') || tooLarge || undefined} />
        {file ? <p className="muted small">{file.name}, {formatBytes(file.size)}</p> : null}
        {tooLarge ? <p className="field-error" role="alert">{file.name} is {formatBytes(file.size)}: more than the server accepts in one upload ({formatBytes(MAX_UPLOAD_BYTES)}).</p> : null}
        {fe.at(kind === 'ecs' ? 'tasks' : 'pods')}
        {fe.rest}
        <div className="form-actions"><button type="submit" className="primary" disabled={busy || !cluster.trim() || !file || tooLarge}>{busy ? 'Uploading…' : 'Upload'}</button></div>
      </form>
    </Card>
  );
}

export function Workloads() {
  const { can, isDelegatedAdmin } = useSession();
  const operate = can('operate');
  const qc = useQueryClient();
  const [notice, setNotice] = useNotice();
  const [snapshot, setSnapshot] = useState<(WorkloadSnapshot & { kind: string }) | null>(null);
  const list = useQuery({ queryKey: ['workload-clusters'], queryFn: ({ signal }) => api<{ items: WorkloadCluster[] }>('/v1/workloads/kubernetes/clusters', { signal }) });
  const refresh = () => qc.invalidateQueries({ queryKey: ['workload-clusters'] });
  const remove = async (c: WorkloadCluster) => {
    await api(`/v1/workloads/kubernetes/clusters/${encodeURIComponent(c.name)}`, { method: 'DELETE', query: { accountId: c.accountId } });
    setNotice(`Cluster ${c.name} is no longer polled; its images stop counting as running there.`);
    await refresh();
  };
  const columns: ColumnDef<WorkloadCluster, unknown>[] = [
    { id: 'name', header: 'Cluster', cell: ({ row: { original: c } }) => <><strong>{c.name}</strong><div className="muted small mono url-cell">{c.server}</div></> },
    ...(isDelegatedAdmin ? [{ id: 'owner', header: 'Account', cell: ({ row }) => <AccountName id={row.original.accountId} /> } as ColumnDef<WorkloadCluster, unknown>] : []),
    { id: 'interval', header: 'Polled', cell: ({ row: { original: c } }) => <span className="small">every {c.intervalMinutes} min{c.caData ? ' · own CA' : ''}</span> },
    { id: 'last', header: 'Last poll', cell: ({ row }) => <Ago iso={row.original.lastPolledAt} never="not yet" /> },
    { id: 'next', header: 'Next poll', cell: ({ row }) => <span className="small nowrap">{formatTime(row.original.nextPollAt)}</span> },
    { id: 'error', header: 'Last error', size: 280, cell: ({ row }) => (row.original.lastError ? <span className="status-bad clamp-3" title={row.original.lastError}>{row.original.lastError}</span> : <span className="muted">—</span>) },
    ...(operate ? [{
      id: 'actions', header: 'Actions', cell: ({ row: { original: c } }) => (
        <ConfirmButton label={<>Delete<span className="visually-hidden"> {c.name}</span></>} title={`Stop polling ${c.name}?`} confirmLabel="Delete cluster" onConfirm={() => remove(c)}>
          <p>Its snapshot goes: its images stop counting as running there.</p>
        </ConfirmButton>
      ),
    } as ColumnDef<WorkloadCluster, unknown>] : []),
  ];
  return (
    <>
      <PageHeader
        title="Running workloads"
        subtitle={<>Which images run, from Kubernetes and ECS: images in use are marked on <Link to="/resources">Resources</Link> and in the findings' score and filters.</>}
      />
      {notice}
      {snapshot ? (
        <p className="notice" role="status" data-testid="snapshot">
          {snapshot.kind === 'ecs' ? 'ECS' : 'Kubernetes'} cluster <strong>{snapshot.cluster}</strong>: {formatCount(snapshot.running)} of {formatCount(snapshot.containers)} containers running,
          {' '}{formatCount(snapshot.resolved)} with a known image · {formatCount(snapshot.images)} image{snapshot.images === 1 ? '' : 's'} in use
          {snapshot.scan.length ? ` · ${snapshot.scan.length} back in continuous scanning` : ''}.{' '}
          <Link to="/resources?inUse=true">Images in use</Link>
          <button type="button" className="link" onClick={() => setSnapshot(null)} aria-label="Dismiss">Dismiss</button>
        </p>
      ) : null}
      <h2 className="section-title">Polled Kubernetes clusters</h2>
      <ErrorMessage error={list.error} />
      <DataTable caption="Polled Kubernetes clusters" columns={columns} rows={list.data?.items} loading={list.isPending} rowKey={(c) => c.id}
        empty="No cluster is polled. Add one below, or upload a snapshot." />
      {operate ? (
        <div className="grid cols-2">
          <AddCluster onAdded={(c) => { setNotice(`Cluster ${c.name} is added; first poll ${formatTime(c.nextPollAt)}.`); void refresh(); }} />
          <Upload onDone={(s, kind) => { setSnapshot({ ...s, kind }); void qc.invalidateQueries({ queryKey: ['resources'] }); }} />
        </div>
      ) : <p className="muted small">Adding clusters and uploading snapshots needs the analyst or admin role.</p>}
    </>
  );
}
