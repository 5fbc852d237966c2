/**
 * Queries over the tenancy tables. Rows become API shapes here (camelCase, JSON parsed, booleans);
 * who may see what is decided by the callers (tenancy/access.ts), not here.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../store/index.ts';
import type { AccountTable, ApiKeyTable, OrganizationTable } from '../../store/schema-tenancy.ts';
import { generateKey, newId } from '../keys.ts';
import type { Account, AccountStatus, ApiKey, Organization, Role, ScanSettings } from '../schemas.ts';

type Db = Kysely<Database> | Transaction<Database>;
const now = () => new Date().toISOString();

/** stored settings, the issue-17 and issue-20 flags filled in when they were stored before them (absent means on; issue 19's absent means null) */
function settingsOf(text: string) {
  const s = JSON.parse(text) as ScanSettings;
  return { secretScanning: true, codeScanning: true, hostDeepInspection: true, ...s, stopScanningAfterNotRunningDays: s.stopScanningAfterNotRunningDays ?? null };
}

export function toOrganization(r: Selectable<OrganizationTable>): Organization {
  return { id: r.id, name: r.name, createdAt: r.created_at, scanSettings: settingsOf(r.scan_settings) };
}

export function toAccount(r: Selectable<AccountTable>): Account {
  return {
    id: r.id, organizationId: r.organization_id, name: r.name, isDelegatedAdmin: Number(r.is_delegated_admin) === 1,
    status: r.status as AccountStatus, scanSettings: settingsOf(r.scan_settings), createdAt: r.created_at,
  };
}

export function toApiKey(r: Selectable<ApiKeyTable>): ApiKey {
  return {
    id: r.id, accountId: r.account_id, prefix: r.prefix, role: r.role as Role, name: r.name,
    createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at,
  };
}

export async function getOrganization(db: Db, id: string): Promise<Organization | undefined> {
  const r = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toOrganization(r);
}

export async function getAccount(db: Db, id: string): Promise<Account | undefined> {
  const r = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toAccount(r);
}

/** Accounts of an organization, or just one account's own row; sorted by creation, then id. */
export async function listAccounts(db: Db, scope: { organizationId: string } | { accountId: string }): Promise<Account[]> {
  let q = db.selectFrom('accounts').selectAll();
  q = 'organizationId' in scope ? q.where('organization_id', '=', scope.organizationId) : q.where('id', '=', scope.accountId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(toAccount);
}

export interface CreatedKey { apiKey: ApiKey; key: string }

export async function createApiKey(db: Db, accountId: string, name: string, role: Role): Promise<CreatedKey> {
  const k = generateKey();
  const row = { id: newId('key'), account_id: accountId, prefix: k.prefix, hash: k.hash, role, name, created_at: now(), last_used_at: null, revoked_at: null };
  await db.insertInto('api_keys').values(row).execute();
  return { apiKey: toApiKey(row), key: k.key };
}

export interface CreatedOrganization { organization: Organization; delegatedAdmin: Account; adminKey: CreatedKey }

/** A new organization with its delegated-admin account and one admin key for it, in one transaction. */
export async function createOrganization(db: Kysely<Database>, input: { name: string; adminAccountName?: string; scanSettings: ScanSettings }): Promise<CreatedOrganization> {
  return db.transaction().execute((trx) => createOrganizationIn(trx, input));
}

export async function createOrganizationIn(trx: Db, input: { name: string; adminAccountName?: string; scanSettings: ScanSettings }): Promise<CreatedOrganization> {
  const t = now();
  const org = { id: newId('org'), name: input.name, created_at: t, scan_settings: JSON.stringify(input.scanSettings) };
  await trx.insertInto('organizations').values(org).execute();
  const acc = {
    id: newId('acc'), organization_id: org.id, name: input.adminAccountName ?? `${input.name} admin`, is_delegated_admin: 1,
    status: 'ENABLED', scan_settings: org.scan_settings, created_at: t,
  };
  await trx.insertInto('accounts').values(acc).execute();
  const adminKey = await createApiKey(trx, acc.id, 'initial admin key', 'admin');
  return { organization: toOrganization(org), delegatedAdmin: toAccount(acc), adminKey };
}

/**
 * A member account, starting with its organization's scan settings: ENABLED, or DISABLED (not
 * scanned until the delegated admin enables it) when those settings say `autoEnable: false`.
 */
export async function createAccount(db: Db, organizationId: string, name: string): Promise<Account> {
  const org = await db.selectFrom('organizations').select('scan_settings').where('id', '=', organizationId).executeTakeFirstOrThrow();
  const autoEnable = (JSON.parse(org.scan_settings) as { autoEnable?: unknown }).autoEnable !== false;
  const row = { id: newId('acc'), organization_id: organizationId, name, is_delegated_admin: 0, status: autoEnable ? 'ENABLED' : 'DISABLED', scan_settings: org.scan_settings, created_at: now() };
  await db.insertInto('accounts').values(row).execute();
  return toAccount(row);
}

export async function updateAccount(db: Db, id: string, patch: { name?: string; status?: AccountStatus; scanSettings?: ScanSettings }): Promise<Account | undefined> {
  const set: { name?: string; status?: string; scan_settings?: string } = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.scanSettings !== undefined) set.scan_settings = JSON.stringify(patch.scanSettings);
  if (Object.keys(set).length) await db.updateTable('accounts').set(set).where('id', '=', id).execute();
  return getAccount(db, id);
}

export async function setOrganizationScanSettings(db: Db, id: string, settings: ScanSettings): Promise<void> {
  await db.updateTable('organizations').set({ scan_settings: JSON.stringify(settings) }).where('id', '=', id).execute();
}

export async function listApiKeys(db: Db, accountId: string): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toApiKey);
}

export async function getApiKey(db: Db, accountId: string, keyId: string): Promise<ApiKey | undefined> {
  const r = await db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).where('id', '=', keyId).executeTakeFirst();
  return r && toApiKey(r);
}

/**
 * Marks a key revoked (kept for the audit trail) and ends its console sessions. Revoking twice
 * keeps the first time. (Sessions check their key on every request anyway, so a revocation made
 * elsewhere holds too; deleting them here just keeps the table small.)
 */
export async function revokeApiKey(db: Db, keyId: string): Promise<void> {
  await db.updateTable('api_keys').set({ revoked_at: now() }).where('id', '=', keyId).where('revoked_at', 'is', null).execute();
  await db.deleteFrom('sessions').where('key_id', '=', keyId).execute();
}

/** Active admin keys of an account: revoking the last one of a delegated admin would lock the organization out. */
export async function countActiveAdminKeys(db: Db, accountId: string): Promise<number> {
  const r = await db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId).where('role', '=', 'admin').where('revoked_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A key row with its account and organization: what authentication turns into a principal. */
export interface KeyWithOwner {
  key: Selectable<ApiKeyTable>;
  account: Account;
  organization: Organization;
}

async function withOwner(db: Db, key: Selectable<ApiKeyTable> | undefined): Promise<KeyWithOwner | undefined> {
  if (!key) return undefined;
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', key.account_id).executeTakeFirstOrThrow();
  const organization = await db.selectFrom('organizations').selectAll().where('id', '=', account.organization_id).executeTakeFirstOrThrow();
  return { key, account: toAccount(account), organization: toOrganization(organization) };
}

/** The key with this prefix, its account and its organization, for authentication (bearer, login). */
export async function findKeyByPrefix(db: Db, prefix: string): Promise<KeyWithOwner | undefined> {
  return withOwner(db, await db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst());
}

/** The key of a console session, its account and its organization (revoked keys included: the caller refuses them). */
export async function findKeyById(db: Db, id: string): Promise<KeyWithOwner | undefined> {
  return withOwner(db, await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst());
}

export async function touchApiKey(db: Db, keyId: string, at: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', keyId).execute();
}
