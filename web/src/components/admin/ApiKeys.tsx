/**
 * An account's API keys: the list (prefix, role, created, last used, revoked; never a secret, the
 * API has none to give), create (the full key shown once), revoke (asked first).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { formatAgo, formatTime } from '../../format.ts';
import { useSession, useWhoAmI } from '../../session.tsx';
import type { Account, ApiKey, CreatedApiKey, Page, Role } from '../../types.ts';
import { ErrorMessage } from '../common.tsx';
import { DataTable } from '../DataTable.tsx';
import { ConfirmButton, CopyField, ShownOnce } from './widgets.tsx';

const ROLES: { role: Role; about: string }[] = [
  { role: 'read-only', about: 'reads everything in sight, changes nothing' },
  { role: 'analyst', about: 'also suppression rules and scan triggers' },
  { role: 'admin', about: 'also targets, accounts, keys and settings' },
];

export function ApiKeys({ account }: { account: Account }) {
  const { can } = useSession();
  const who = useWhoAmI();
  const qc = useQueryClient();
  const id = useId();
  const key = ['api-keys', account.id];
  const keys = useQuery({ queryKey: key, queryFn: () => api<Page<ApiKey>>(`/v1/accounts/${encodeURIComponent(account.id)}/api-keys`) });
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('read-only');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [creating, setCreating] = useState(false);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const k = await api<CreatedApiKey>(`/v1/accounts/${encodeURIComponent(account.id)}/api-keys`, { method: 'POST', body: { name: name.trim(), role } });
      setCreated(k);
      setCreating(false);
      setName('');
      await qc.invalidateQueries({ queryKey: key });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (k: ApiKey) => {
    await api(`/v1/accounts/${encodeURIComponent(account.id)}/api-keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
    await qc.invalidateQueries({ queryKey: key });
  };

  const columns: ColumnDef<ApiKey, unknown>[] = [
    { id: 'name', header: 'Name', cell: ({ row }) => <>{row.original.name}{row.original.id === who.key.id ? <span className="tag">this session</span> : null}</> },
    { id: 'prefix', header: 'Key', cell: ({ row }) => <code title="only the prefix is kept in the clear">vgl_{row.original.prefix}_…</code> },
    { id: 'role', header: 'Role', cell: ({ row }) => row.original.role },
    { id: 'createdAt', header: 'Created', cell: ({ row }) => formatTime(row.original.createdAt) },
    { id: 'lastUsedAt', header: 'Last used', cell: ({ row }) => <span title={formatTime(row.original.lastUsedAt)}>{formatAgo(row.original.lastUsedAt)}</span> },
    {
      id: 'revokedAt', header: 'State', cell: ({ row }) => (row.original.revokedAt
        ? <span className="status-bad" title={formatTime(row.original.revokedAt)}>revoked {formatTime(row.original.revokedAt)}</span>
        : <span className="status-ok">active</span>),
    },
    ...(can('admin') ? [{
      id: 'actions', header: 'Actions', cell: ({ row }) => (row.original.revokedAt ? null : (
        <ConfirmButton label="Revoke" title={`Revoke the key "${row.original.name}"?`} confirmLabel="Revoke key" onConfirm={() => revoke(row.original)}>
          <p>Requests with <code>vgl_{row.original.prefix}_…</code> are refused from the next one, and console sessions signed in with it end at once. This cannot be undone.</p>
          {row.original.id === who.key.id ? <p className="error">This is the key you are signed in with: you will be signed out.</p> : null}
        </ConfirmButton>
      )),
    } as ColumnDef<ApiKey, unknown>] : []),
  ];

  return (
    <section className="card spaced" aria-labelledby={`${id}-h`}>
      <div className="card-header">
        <h3 id={`${id}-h`}>API keys of {account.name}</h3>
        {can('admin') && !creating ? <button type="button" className="primary" onClick={() => { setCreating(true); setCreated(null); }}>Create API key</button> : null}
      </div>
      {created ? (
        <ShownOnce title={`API key created: ${created.name} (${created.role})`} onDone={() => setCreated(null)} doneLabel="I have stored the key" level={4}>
          <CopyField label="API key" value={created.key} />
          <p className="hint">Use it as <code>Authorization: Bearer {'<key>'}</code>, or sign in to this console with it.</p>
        </ShownOnce>
      ) : null}
      {creating && can('admin') ? (
        <form className="inline-form" onSubmit={create} aria-label="Create an API key">
          <div className="sf-field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input id={`${id}-name`} type="text" required maxLength={200} value={name} placeholder="e.g. ci-pipeline" onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="sf-field">
            <label htmlFor={`${id}-role`}>Role</label>
            <select id={`${id}-role`} value={role} aria-describedby={`${id}-role-hint`} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => <option key={r.role} value={r.role}>{r.role}</option>)}
            </select>
          </div>
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy || !name.trim()}>{busy ? 'Creating…' : 'Create key'}</button>
            <button type="button" onClick={() => { setCreating(false); setError(null); }} disabled={busy}>Cancel</button>
          </div>
          <p id={`${id}-role-hint`} className="hint full">{ROLES.find((r) => r.role === role)?.about}</p>
          <ErrorMessage error={error} />
        </form>
      ) : null}
      <ErrorMessage error={keys.error} />
      <DataTable caption={`API keys of ${account.name}`} columns={columns} rows={keys.data?.items} loading={keys.isPending} rowKey={(k) => k.id} empty="No API keys." />
    </section>
  );
}
