/**
 * Network reachability (issue 16): the AWS topologies the server has analysed (GET
 * /v1/network/topologies), one topology's files, counts and notes (GET …/{name}), uploading the AWS
 * CLI output files of a topology (PUT …/{name} with {files: {<file name>: <parsed JSON>}}; the
 * analysis runs before the answer), and deleting one (DELETE …/{name}: its findings close). The
 * selected topology lives in the URL (?topology=&account=), so a finding can link to it.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, withQuery } from '../api.ts';
import { ConfirmButton, useNotice } from '../components/admin/widgets.tsx';
import { Card, Empty, ErrorMessage, Fields, Loading, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { AccountName, Ago } from '../components/inventory/parts.tsx';
import { AWS_FILE_NAMES, AWS_FILES, TOPOLOGY_NAME } from '../components/network/labels.ts';
import { formatCount, formatTime } from '../format.ts';
import { useSession, useWhoAmI } from '../session.tsx';
import { NETWORK_FINDING_TYPE, type Account, type Page, type Topology } from '../types.ts';

function formatSize(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const topologyPath = (name: string) => `/v1/network/topologies/${encodeURIComponent(name)}`;

/** The findings explorer filtered to network reachability findings (of one account). */
function findingsHref(accountId?: string): string {
  return withQuery('/findings', { type: NETWORK_FINDING_TYPE, accountId });
}

export function Network() {
  const { can, isDelegatedAdmin } = useSession();
  const who = useWhoAmI();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [notice, setNotice] = useNotice();
  const selected = params.get('topology');
  const selectedAccount = params.get('account') ?? undefined;

  const list = useQuery({
    queryKey: ['topologies'],
    queryFn: ({ signal }) => api<{ items: Topology[] }>('/v1/network/topologies', { signal }),
  });
  const items = list.data?.items;
  // a name alone (a finding's link) picks the first topology of that name in sight
  const current = selected ? items?.find((t) => t.name === selected && (!selectedAccount || t.accountId === selectedAccount)) : undefined;
  const detail = useQuery({
    queryKey: ['topology', current?.accountId, selected],
    queryFn: ({ signal }) => api<Topology>(topologyPath(selected!), { query: { accountId: current?.accountId }, signal }),
    enabled: Boolean(selected && current),
  });

  const select = (t: Topology | null) => {
    const p = new URLSearchParams(params);
    if (t) {
      p.set('topology', t.name);
      if (t.accountId !== who.account.id) p.set('account', t.accountId);
      else p.delete('account');
    } else {
      p.delete('topology');
      p.delete('account');
    }
    setParams(p);
  };

  const remove = async (t: Topology) => {
    await api(topologyPath(t.name), { method: 'DELETE', query: { accountId: t.accountId !== who.account.id ? t.accountId : undefined } });
    setNotice(`Topology ${t.name} is deleted; its ${t.counts.findings} finding${t.counts.findings === 1 ? '' : 's'} closed.`);
    if (selected === t.name) select(null);
    await qc.invalidateQueries({ queryKey: ['topologies'] });
    qc.removeQueries({ queryKey: ['topology', t.accountId, t.name] });
    void qc.invalidateQueries({ queryKey: ['findings'] });
  };

  const columns: ColumnDef<Topology, unknown>[] = [
    {
      id: 'name', header: 'Topology', cell: ({ row: { original: t } }) => (
        <button type="button" className="link topology-name" aria-pressed={current === t} onClick={() => select(current === t ? null : t)}>{t.name}</button>
      ),
    },
    ...(isDelegatedAdmin ? [{ id: 'account', header: 'Account', cell: ({ row }) => <AccountName id={row.original.accountId} /> } as ColumnDef<Topology, unknown>] : []),
    { id: 'status', header: 'Status', cell: ({ row: { original: t } }) => <TopologyStatus t={t} /> },
    {
      id: 'files', header: 'Files', cell: ({ row: { original: t } }) => (
        <span className="nowrap" title={t.files.join('\n')}>{t.files.length} of {AWS_FILES.length}</span>
      ),
    },
    {
      id: 'instances', header: 'Reachable instances', cell: ({ row: { original: t } }) => (
        <span title={`${t.counts.reachableInstances} of ${t.counts.instances} instances are reachable from the internet`}>{formatCount(t.counts.reachableInstances)} / {formatCount(t.counts.instances)}</span>
      ),
    },
    {
      id: 'findings', header: 'Findings', cell: ({ row: { original: t } }) => (
        <Link to={findingsHref(t.accountId)} title={`network reachability findings of ${t.name}'s account`}>{formatCount(t.counts.findings)}<span className="visually-hidden"> findings of {t.name}</span></Link>
      ),
    },
    {
      id: 'mapped', header: 'Mapped to hosts', cell: ({ row: { original: t } }) => (
        <span title={`${t.counts.mappedResources} instances map to a Vigil host; ${t.counts.unmappedInstances} became host resources of their own (UNMANAGED_EC2_INSTANCE)`}>
          {formatCount(t.counts.mappedResources)}{t.counts.unmappedInstances ? <span className="muted small"> · {formatCount(t.counts.unmappedInstances)} unmanaged</span> : null}
        </span>
      ),
    },
    { id: 'notes', header: 'Notes', cell: ({ row: { original: t } }) => (t.counts.notes ? formatCount(t.counts.notes) : <span className="muted">none</span>) },
    { id: 'analyzedAt', header: 'Analyzed', cell: ({ row: { original: t } }) => <Ago iso={t.analyzedAt} never="not analyzed" /> },
    ...(can('operate') ? [{
      id: 'actions', header: 'Actions', cell: ({ row: { original: t } }) => (
        <ConfirmButton label={<>Delete<span className="visually-hidden"> {t.name}</span></>} title={`Delete the topology ${t.name}?`} confirmLabel="Delete topology" onConfirm={() => remove(t)}>
          <p>Its {formatCount(t.counts.findings)} network reachability finding{t.counts.findings === 1 ? '' : 's'} close, and the uploaded files are deleted. Upload the files again to analyse it anew.</p>
        </ConfirmButton>
      ),
    } as ColumnDef<Topology, unknown>] : []),
  ];

  return (
    <>
      <PageHeader
        title="Network"
        subtitle="AWS network topologies, analysed for what the internet (0.0.0.0/0, ::/0) reaches: every open port becomes a network reachability finding on its instance."
        actions={<Link className="button" to={findingsHref()}>Network reachability findings</Link>}
      />
      {notice}
      <ErrorMessage error={list.error} />
      <DataTable
        caption="Network topologies"
        columns={columns}
        rows={items}
        loading={list.isFetching}
        rowKey={(t) => `${t.accountId}/${t.name}`}
        empty="No topology yet. Upload the AWS CLI output of an account's network below."
      />

      {selected && items && !current ? <Empty>There is no topology <code>{selected}</code> in your sight.</Empty> : null}
      {current ? <TopologyDetail t={detail.data ?? current} loading={detail.isPending} error={detail.error} onClose={() => select(null)} /> : null}

      {can('operate') ? (
        <UploadTopology
          onUploaded={(t) => {
            setNotice(`Topology ${t.name} is ${t.status}: ${t.counts.findings} finding${t.counts.findings === 1 ? '' : 's'}, ${t.counts.notes} note${t.counts.notes === 1 ? '' : 's'}.`);
            qc.setQueryData(['topology', t.accountId, t.name], t);
            void qc.invalidateQueries({ queryKey: ['topologies'] });
            void qc.invalidateQueries({ queryKey: ['findings'] });
            select(t);
          }}
          onRefused={() => { void qc.invalidateQueries({ queryKey: ['topologies'] }); void qc.invalidateQueries({ queryKey: ['topology'] }); }}
          existing={items ?? []}
        />
      ) : (
        <p className="muted small">Uploading and deleting topologies needs the analyst or admin role.</p>
      )}
    </>
  );
}

function TopologyStatus({ t }: { t: Topology }) {
  if (t.status === 'ANALYZED') return <span className="status-ok" data-testid="topology-status">ANALYZED</span>;
  return (
    <span>
      <span className="status-bad" data-testid="topology-status">{t.status}</span>
      {t.error ? <div className="topology-error small" title={t.error.message}>{t.error.input && !t.error.message.includes(t.error.input) ? `${t.error.input}: ` : ''}{t.error.message}</div> : null}
      {t.analyzedAt ? <div className="muted small">the last upload was refused; the analysis of {formatTime(t.analyzedAt)} stays in force</div> : null}
    </span>
  );
}

function TopologyDetail({ t, loading, error, onClose }: { t: Topology; loading: boolean; error: unknown; onClose: () => void }) {
  const missing = AWS_FILES.filter((f) => !t.files.includes(f.name));
  return (
    <Card title={`Topology ${t.name}`} className="finding-card" actions={<button type="button" onClick={onClose}>Close</button>}>
      <Fields items={[
        ['Status', <TopologyStatus key="s" t={t} />],
        ['Account', <AccountName key="a" id={t.accountId} />],
        ['Kind', t.kind === 'aws' ? 'AWS (AWS CLI output)' : t.kind],
        ['Analyzed', formatTime(t.analyzedAt)],
        ['Uploaded', formatTime(t.updatedAt)],
        ['Instances', `${formatCount(t.counts.reachableInstances)} of ${formatCount(t.counts.instances)} reachable from the internet`],
        ['Findings', <Link key="f" to={findingsHref(t.accountId)}>{formatCount(t.counts.findings)} network reachability finding{t.counts.findings === 1 ? '' : 's'}</Link>],
        ['Hosts', `${formatCount(t.counts.mappedResources)} mapped to Vigil hosts, ${formatCount(t.counts.unmappedInstances)} unmanaged instances`],
      ]} />
      {t.error ? (
        <div className="error" role="alert">
          The analysis failed{t.error.input ? <> on <span className="mono">{t.error.input}</span></> : null}{t.error.rule ? <> (rule <span className="mono">{t.error.rule}</span>)</> : null}: {t.error.message}
        </div>
      ) : null}
      <h3 className="net-sub">Files</h3>
      <ul className="plain file-list">
        {t.files.map((f) => <li key={f} className="mono">{f}</li>)}
      </ul>
      {missing.length ? <p className="muted small">Not uploaded (read as no such components): {missing.map((f) => f.name).join(', ')}</p> : null}
      <h3 className="net-sub">Notes <span className="muted small">what the analysis could not read exactly, and which way it leaned</span></h3>
      {loading ? <Loading label="Loading the notes…" /> : error ? <ErrorMessage error={error} /> : t.notes.length ? (
        <div className="table-scroll"><table className="data compact">
          <caption className="visually-hidden">Notes of the analysis of {t.name}</caption>
          <thead><tr><th scope="col">Kind</th><th scope="col">File</th><th scope="col">Component</th><th scope="col">Note</th><th scope="col">Assumed</th></tr></thead>
          <tbody>
            {t.notes.map((n, i) => (
              <tr key={i}>
                <td className="nowrap">{n.kind}</td>
                <td className="mono small">{n.input}</td>
                <td className="mono small">{n.componentId ?? '—'}</td>
                <td>{n.message}</td>
                <td>{n.assumed ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      ) : <p className="muted">No notes: every input was read exactly.</p>}
    </Card>
  );
}

interface ChosenFile {
  name: string;
  size: number;
  /** the parsed JSON when the name is known and the text parses */
  json?: unknown;
  problem?: string;
}

/** Reads each chosen file: a known AWS CLI file name, once, holding JSON. */
async function readChosen(files: File[]): Promise<ChosenFile[]> {
  const seen = new Set<string>();
  const out: ChosenFile[] = [];
  for (const f of files) {
    const c: ChosenFile = { name: f.name, size: f.size };
    if (!AWS_FILE_NAMES.has(f.name)) c.problem = 'not one of the AWS CLI file names below';
    else if (seen.has(f.name)) c.problem = 'chosen twice';
    else {
      try {
        c.json = JSON.parse(await f.text());
      } catch (e) {
        c.problem = `not JSON (${(e as Error).message})`;
      }
    }
    seen.add(f.name);
    out.push(c);
  }
  return out;
}

/** the server's body limit for an upload (src/server/routes/network.ts MAX_TOPOLOGY_BYTES) */
const MAX_UPLOAD_BYTES = 128 * 1024 * 1024;

function UploadTopology({ onUploaded, onRefused, existing }: { onUploaded: (t: Topology) => void; onRefused: () => void; existing: Topology[] }) {
  const who = useWhoAmI();
  const ids = useId();
  const input = useRef<HTMLInputElement>(null);
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: ({ signal }) => api<Page<Account>>('/v1/accounts', { signal }), enabled: who.account.isDelegatedAdmin });
  const [name, setName] = useState('');
  const [accountId, setAccountId] = useState(who.account.id);
  const [chosen, setChosen] = useState<ChosenFile[]>([]);
  const [reading, setReading] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const onFiles = async (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])];
    setError(null);
    setReading(true);
    try {
      setChosen(await readChosen(files));
    } finally {
      setReading(false);
    }
  };
  const removeFile = (i: number) => setChosen((c) => c.filter((_, j) => j !== i));
  const clear = () => {
    setChosen([]);
    if (input.current) input.current.value = '';
  };

  const nameOk = TOPOLOGY_NAME.test(name);
  const bad = chosen.filter((c) => c.problem);
  const good = chosen.filter((c) => !c.problem);
  const missing = AWS_FILES.filter((f) => !good.some((c) => c.name === f.name));
  const replaces = existing.some((t) => t.name === name && t.accountId === accountId);
  const total = good.reduce((n, c) => n + c.size, 0);
  const tooLarge = total > MAX_UPLOAD_BYTES;
  const canUpload = nameOk && good.length > 0 && bad.length === 0 && !tooLarge && !busy && !reading;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!canUpload) return;
    setBusy(true);
    setError(null);
    try {
      const t = await api<Topology>(topologyPath(name), {
        method: 'PUT',
        body: { files: Object.fromEntries(good.map((c) => [c.name, c.json])), ...(accountId !== who.account.id ? { accountId } : {}) },
      });
      onUploaded(t);
      setName('');
      clear();
    } catch (err) {
      setError(err);
      // a refused upload is recorded (FAILED, with its error) and the list shows it
      onRefused();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Upload a topology" className="finding-card">
      <form className="stacked upload-topology" aria-label="Upload a topology" onSubmit={submit}>
        <p className="muted">
          Run the AWS CLI calls below for one account and region (<code>--output json</code>), save each output under its file name, and choose the files here.
          The server analyses them before it answers; uploading a topology of the same name replaces it, and findings of paths that are gone close.
        </p>
        <label htmlFor={`${ids}-name`}>
          Topology name <span className="hint">letters, digits, dot, dash, underscore (up to 64), e.g. prod-eu-west-1</span>
        </label>
        <input id={`${ids}-name`} value={name} maxLength={64} required pattern="[A-Za-z0-9._\-]{1,64}" onChange={(e) => setName(e.target.value)} aria-invalid={name !== '' && !nameOk} />
        {name !== '' && !nameOk ? <p className="field-error">Use only letters, digits, dot, dash and underscore.</p> : null}
        {replaces ? <p className="notice small">A topology named {name} exists: uploading replaces its files and analysis.</p> : null}
        {who.account.isDelegatedAdmin && accounts.data && accounts.data.items.length > 1 ? (
          <>
            <label htmlFor={`${ids}-account`}>Account</label>
            <select id={`${ids}-account`} value={accountId} onChange={(e) => setAccountId(e.target.value)}>
              {accounts.data.items.map((a) => <option key={a.id} value={a.id}>{a.name}{a.isDelegatedAdmin ? ' (delegated admin)' : ''}</option>)}
            </select>
          </>
        ) : null}
        <label htmlFor={`${ids}-files`}>AWS CLI output files <span className="hint">JSON, several at once</span></label>
        <input ref={input} id={`${ids}-files`} type="file" multiple accept=".json,application/json" onChange={(e) => void onFiles(e)} />
        {reading ? <p className="muted" role="status">Reading the files…</p> : null}

        {chosen.length ? (
          <div className="table-scroll">
            <table className="data compact" aria-label="Chosen files">
              <thead><tr><th scope="col">File</th><th scope="col" className="num">Size</th><th scope="col">Check</th><th scope="col"><span className="visually-hidden">Action</span></th></tr></thead>
              <tbody>
                {chosen.map((c, i) => (
                  <tr key={`${i}-${c.name}`} className={c.problem ? 'file-bad' : undefined}>
                    <td className="mono">{c.name}</td>
                    <td className="num nowrap">{formatSize(c.size)}</td>
                    <td>{c.problem ? <span className="status-bad">{c.problem}: not sent</span> : <span className="status-ok">JSON, will be sent</span>}</td>
                    <td><button type="button" className="link" onClick={() => removeFile(i)}>Remove<span className="visually-hidden"> {c.name}</span></button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {tooLarge ? <p className="field-error" role="alert">The files hold {formatSize(total)}: more than the server accepts in one upload ({formatSize(MAX_UPLOAD_BYTES)}).</p> : null}
        {bad.length ? <p className="field-error" role="alert">{bad.length} file{bad.length === 1 ? '' : 's'} cannot be sent: remove {bad.length === 1 ? 'it' : 'them'} (or fix and choose again) before uploading.</p> : null}

        <details className="aws-files" open={chosen.length > 0}>
          <summary>
            The {AWS_FILES.length} files a topology takes
            {chosen.length ? <> · <span data-testid="missing-count">{missing.length ? `${missing.length} missing` : 'all chosen'}</span></> : null}
          </summary>
          <p className="muted small">A file left out is read as "no such components" (no load balancers, no NAT gateways…); without route tables nothing is routed from the internet.</p>
          <div className="table-scroll"><table className="data compact aws-file-table">
            <caption className="visually-hidden">The AWS CLI files of a topology{chosen.length ? ', chosen or missing' : ''}</caption>
            <thead><tr><th scope="col">File name</th><th scope="col">Made by</th>{chosen.length ? <th scope="col">Chosen</th> : null}</tr></thead>
            <tbody>
              {AWS_FILES.map((f) => {
                const have = good.some((c) => c.name === f.name);
                return (
                  <tr key={f.name}>
                    <td className="mono nowrap">{f.name}</td>
                    <td><code>{f.command}</code></td>
                    {chosen.length ? <td className="nowrap">{have ? <span className="status-ok">chosen</span> : <span className="muted">missing</span>}</td> : null}
                  </tr>
                );
              })}
            </tbody>
          </table></div>
        </details>

        <ErrorMessage error={error} />
        <div className="dialog-actions upload-actions">
          {chosen.length ? <button type="button" onClick={clear} disabled={busy}>Clear files</button> : null}
          <button type="submit" className="primary" disabled={!canUpload}>{busy ? 'Uploading and analysing…' : 'Upload and analyse'}</button>
        </div>
      </form>
    </Card>
  );
}
