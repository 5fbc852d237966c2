/**
 * Organization: the organization and its accounts (the delegated admin sees all of them, a member
 * account only itself), the organization's scan settings (what new accounts start with; autoEnable
 * decides whether a new member account starts ENABLED), and per account (`?account=`): name,
 * status, scan settings and API keys. Actions only for the roles that may take them.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { ApiKeys } from '../components/admin/ApiKeys.tsx';
import { ScanSettingsEditor } from '../components/admin/ScanSettingsEditor.tsx';
import { ConfirmButton, useNotice } from '../components/admin/widgets.tsx';
import { Card, ErrorMessage, Fields, Loading, PageHeader } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { formatTime } from '../format.ts';
import { useSession, useWhoAmI } from '../session.tsx';
import type { Account, Organization as Org, Page, ScanSettings } from '../types.ts';

function StatusBadge({ status }: { status: Account['status'] }) {
  return <span className={status === 'ENABLED' ? 'status-ok' : 'status-bad'}>{status}</span>;
}

export function Organization() {
  const who = useWhoAmI();
  const { can, isDelegatedAdmin } = useSession();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [notice, setNotice] = useNotice();
  const orgId = who.organization.id;
  const org = useQuery({ queryKey: ['organization', orgId], queryFn: () => api<Org>(`/v1/organizations/${encodeURIComponent(orgId)}`) });
  const orgSettings = useQuery({ queryKey: ['scan-settings', orgId], queryFn: () => api<ScanSettings>(`/v1/organizations/${encodeURIComponent(orgId)}/scan-settings`) });
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => api<Page<Account>>('/v1/accounts') });
  const selectedId = params.get('account') ?? who.account.id;
  const selected = accounts.data?.items.find((a) => a.id === selectedId);
  const delegated = accounts.data?.items.find((a) => a.isDelegatedAdmin);
  const mayManageAccounts = isDelegatedAdmin && can('admin');

  const select = (id: string) => {
    const p = new URLSearchParams(params);
    if (id === who.account.id) p.delete('account');
    else p.set('account', id);
    setParams(p);
    // the account's panel is below the table
    requestAnimationFrame(() => document.getElementById('account-panel')?.scrollIntoView({ block: 'start' }));
  };
  const refreshAccounts = () => qc.invalidateQueries({ queryKey: ['accounts'] });
  const patch = async (a: Account, body: Record<string, unknown>) => {
    const updated = await api<Account>(`/v1/accounts/${encodeURIComponent(a.id)}`, { method: 'PATCH', body });
    await refreshAccounts();
    return updated;
  };

  const columns: ColumnDef<Account, unknown>[] = [
    {
      id: 'name', header: 'Account', cell: ({ row }) => (
        <button type="button" className="link" aria-current={row.original.id === selectedId ? 'true' : undefined} onClick={() => select(row.original.id)}>
          {row.original.name}
        </button>
      ),
    },
    { id: 'id', header: 'Id', cell: ({ row }) => <code>{row.original.id}</code> },
    {
      id: 'role', header: 'Role in organization', cell: ({ row }) => (
        <>
          {row.original.isDelegatedAdmin ? <span className="tag tag-admin">Delegated admin</span> : <span className="role-member">member</span>}
          {row.original.id === who.account.id ? <span className="tag">you</span> : null}
        </>
      ),
    },
    { id: 'status', header: 'Status', cell: ({ row }) => <StatusBadge status={row.original.status} /> },
    { id: 'mode', header: 'Scan mode', cell: ({ row }) => row.original.scanSettings?.mode ?? '—' },
    { id: 'createdAt', header: 'Created', cell: ({ row }) => formatTime(row.original.createdAt) },
    ...(mayManageAccounts ? [{
      id: 'actions', header: 'Actions', cell: ({ row }) => {
        const a = row.original;
        // the server refuses it (409): the delegated admin would lock the organization out of its own management
        if (a.isDelegatedAdmin && a.status === 'ENABLED') return <span className="muted" title="The delegated-admin account cannot be disabled">—</span>;
        return a.status === 'ENABLED' ? (
          <ConfirmButton label="Disable" title={`Disable ${a.name}?`} confirmLabel="Disable account" onConfirm={async () => { await patch(a, { status: 'DISABLED' }); setNotice(`${a.name} is disabled.`); }}>
            <p>A disabled account's targets and resources are no longer scanned. Its findings stay, and its API keys keep working.</p>
          </ConfirmButton>
        ) : (
          <ConfirmButton label="Enable" danger={false} title={`Enable ${a.name}?`} confirmLabel="Enable account" onConfirm={async () => { await patch(a, { status: 'ENABLED' }); setNotice(`${a.name} is enabled.`); }}>
            <p>Its targets and resources are scanned again from now on.</p>
          </ConfirmButton>
        );
      },
    } as ColumnDef<Account, unknown>] : []),
  ];

  const o = org.data ?? who.organization;
  return (
    <>
      <PageHeader
        title="Organization"
        subtitle={<>
          {isDelegatedAdmin
            ? 'Your account is the delegated admin: it sees and manages every account of the organization.'
            : 'Your account is a member of the organization: you see and manage only your own account.'}
          {can('admin') ? null : ` Your key's role (${who.key.role}) can read these settings; changing them takes an admin key.`}
        </>}
      />
      {notice}
      <div className="grid cols-2">
        <Card title="Organization">
          <ErrorMessage error={org.error} />
          <Fields items={[
            ['Name', o.name],
            ['Id', <code key="id">{o.id}</code>],
            ['Created', formatTime(o.createdAt)],
            ['Delegated admin account', delegated ? <button key="d" type="button" className="link" onClick={() => select(delegated.id)}>{delegated.name}</button> : isDelegatedAdmin ? who.account.name : 'another account (not visible to members)'],
            ['Accounts in sight', accounts.data ? String(accounts.data.items.length) : '…'],
          ]} />
        </Card>
        <Card title="Scan settings for new accounts">
          <p className="card-intro">
            New member accounts start with these settings. <strong>Auto-enable</strong> decides whether a new member account starts
            <strong> ENABLED</strong> (scanned at once) or <strong>DISABLED</strong> (nothing scanned until the delegated admin enables it).
            Changing them does not change existing accounts.
          </p>
          <ErrorMessage error={orgSettings.error} />
          <ScanSettingsEditor
            formLabel="Scan settings of the organization"
            value={orgSettings.data}
            editable={mayManageAccounts}
            hints={{ autoEnable: 'On: new member accounts start ENABLED. Off: they start DISABLED until enabled here.' }}
            onSave={async (s) => {
              await api<ScanSettings>(`/v1/organizations/${encodeURIComponent(orgId)}/scan-settings`, { method: 'PUT', body: s });
              await qc.invalidateQueries({ queryKey: ['scan-settings', orgId] });
            }}
          />
        </Card>
      </div>

      <div className="section-head">
        <h2 className="section-title">Accounts</h2>
      </div>
      {mayManageAccounts ? <CreateAccount onCreated={(a) => { void refreshAccounts(); setNotice(`Account ${a.name} created, ${a.status}.`); select(a.id); }} /> : null}
      <ErrorMessage error={accounts.error} />
      <DataTable caption="Accounts of the organization" columns={columns} rows={accounts.data?.items} loading={accounts.isPending} rowKey={(a) => a.id} empty="No accounts in sight." />

      <div id="account-panel" className="account-panel">
        {accounts.isPending ? <Loading /> : selected ? <AccountPanel key={selected.id} account={selected} onPatch={(b) => patch(selected, b)} /> : (
          <ErrorMessage error={new Error(`account ${selectedId} is not in sight`)} />
        )}
      </div>
    </>
  );
}

function CreateAccount({ onCreated }: { onCreated: (a: Account) => void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const a = await api<Account>('/v1/accounts', { method: 'POST', body: { name: name.trim() } });
      setName('');
      onCreated(a);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form create-account" onSubmit={submit} aria-label="Create a member account">
      <div className="sf-field">
        <label htmlFor={`${id}-name`}>New member account</label>
        <input id={`${id}-name`} type="text" required maxLength={200} placeholder="account name" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || !name.trim()}>{busy ? 'Creating…' : 'Create account'}</button>
      </div>
      <p className="hint full">It starts with the organization's scan settings, ENABLED or DISABLED as auto-enable says.</p>
      <ErrorMessage error={error} />
    </form>
  );
}

function AccountPanel({ account, onPatch }: { account: Account; onPatch: (body: Record<string, unknown>) => Promise<Account> }) {
  const { can } = useSession();
  const who = useWhoAmI();
  const id = useId();
  const [name, setName] = useState(account.name);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [renamed, setRenamed] = useState(false);
  useEffect(() => setName(account.name), [account.name]);
  const rename = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onPatch({ name: name.trim() });
      setRenamed(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} className="section-title">Account: {account.name}{account.id === who.account.id ? ' (yours)' : ''}</h2>
      <div className="grid cols-2">
        <Card title="Details">
          <Fields items={[
            ['Id', <code key="id">{account.id}</code>],
            ['Status', <StatusBadge key="s" status={account.status} />],
            ['Delegated admin', account.isDelegatedAdmin ? 'yes' : 'no'],
            ['Created', formatTime(account.createdAt)],
          ]} />
          <p className="hint">A DISABLED account is not scanned; its keys keep working.{account.isDelegatedAdmin ? ' The delegated admin cannot be disabled.' : ''}</p>
          {can('admin') ? (
            <form className="inline-form" onSubmit={rename} aria-label={`Rename ${account.name}`}>
              <div className="sf-field">
                <label htmlFor={`${id}-name`}>Name</label>
                <input id={`${id}-name`} type="text" required maxLength={200} value={name} onChange={(e) => { setName(e.target.value); setRenamed(false); }} />
              </div>
              <div className="form-actions">
                <button type="submit" disabled={busy || !name.trim() || name.trim() === account.name}>{busy ? 'Saving…' : 'Rename'}</button>
                <span role="status" className="saved">{renamed ? 'Renamed.' : ''}</span>
              </div>
              <ErrorMessage error={error} />
            </form>
          ) : null}
        </Card>
        <Card title="Scan settings of this account">
          <ScanSettingsEditor
            formLabel={`Scan settings of ${account.name}`}
            value={account.scanSettings}
            editable={can('admin')}
            hints={{ autoEnable: "Copied from the organization when the account was created; only the organization's setting decides whether new member accounts start ENABLED." }}
            onSave={(s) => onPatch({ scanSettings: s })}
          />
        </Card>
      </div>
      <ApiKeys account={account} />
    </section>
  );
}
