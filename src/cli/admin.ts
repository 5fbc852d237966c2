/**
 * `vigil admin …`: operator recovery on the server's machine, straight on the database (`--db`,
 * `--home` as every command): organizations, API keys (create an admin key for an organization
 * whose keys were lost, list keys — never their secrets —, revoke one), and the rotation of the
 * key that seals stored credentials. Also `openServiceStore`, how `vigil server` and `vigil worker`
 * open the database: private home, the secret keyring, plaintext credentials of older databases sealed.
 */
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import { resolveConfig, type Config } from './config.ts';
import { printJson, table, type OutputOptions } from './output.ts';

interface GlobalOpts extends OutputOptions { home?: string; db?: string; verbose?: boolean }

/**
 * The database of a long-running service: the home made private (0700), the secret keyring
 * (VIGIL_SECRET_KEY or `<home>/secret.key`, generated on first use), the key checked against the
 * database, and plaintext credentials left by older versions sealed (logged as a warning).
 * @throws VigilError VIGIL_CONFIG when the key is malformed or is not the one the database uses
 */
export async function openServiceStore(cfg: Config, log: Logger, opts: { onIdleError?: (err: Error, database: string) => void } = {}): Promise<Store> {
  const [{ openStore, ensurePrivateDir, loadSecretKeyring }, { prepareSecrets }] = await Promise.all([import('../store/index.ts'), import('../engine/secrets.ts')]);
  const warn = (message: string) => log.warn({ rule: 'file-mode' }, message);
  ensurePrivateDir(cfg.home, warn);
  const secrets = loadSecretKeyring({ home: cfg.home, warn });
  const store = await openStore(cfg.databaseUrl, { secrets, onWarning: warn, ...(opts.onIdleError ? { onIdleError: opts.onIdleError } : {}) });
  try {
    const r = await prepareSecrets(store);
    if (r.sealed > 0) log.warn({ targets: r.sealed, keyId: r.keyId }, `sealed the plaintext credentials of ${r.sealed} targets (written by an older version) with key ${r.keyId}`);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

async function withStore<T>(cmd: Command, fn: (store: Store, cfg: Config, log: Logger, opts: GlobalOpts) => Promise<T>): Promise<T> {
  const opts = cmd.optsWithGlobals<GlobalOpts>();
  const cfg = resolveConfig(opts);
  const [{ createLogger, levelFor }, { openStore, ensurePrivateDir }] = await Promise.all([import('../log.ts'), import('../store/index.ts')]);
  const log = createLogger(levelFor(opts, 'warn'));
  const warn = (message: string) => log.warn({ rule: 'file-mode' }, message);
  ensurePrivateDir(cfg.home, warn);
  const store = await openStore(cfg.databaseUrl, { onWarning: warn });
  try {
    return await fn(store, cfg, log, opts);
  } finally {
    await store.close();
  }
}

/** An organization by id or exact name; the only one when none is named. */
async function resolveOrganization(store: Store, given: string | undefined): Promise<{ id: string; name: string }> {
  const orgs = await store.db.selectFrom('organizations').select(['id', 'name']).orderBy('created_at').orderBy('id').execute();
  if (given === undefined) {
    if (orgs.length === 1) return orgs[0];
    if (orgs.length === 0) throw new VigilError('VIGIL_NOT_FOUND', 'the database has no organization yet (`vigil server` creates the first one)', { rule: 'no-organization' });
    throw new VigilError('VIGIL_CONFIG', `the database has ${orgs.length} organizations: name one with --organization <id or name> (vigil admin list-organizations)`, { rule: 'organization-required' });
  }
  const byId = orgs.find((o) => o.id === given);
  if (byId) return byId;
  const byName = orgs.filter((o) => o.name === given);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) throw new VigilError('VIGIL_CONFIG', `${byName.length} organizations are named ${JSON.stringify(given)}: give its id (${byName.map((o) => o.id).join(', ')})`, { input: given, rule: 'organization-ambiguous' });
  throw new VigilError('VIGIL_NOT_FOUND', `no organization ${JSON.stringify(given)} (vigil admin list-organizations)`, { input: given, rule: 'organization-not-found' });
}

const ROLES = ['admin', 'analyst', 'read-only'] as const;

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin')
    .description("operator recovery on the server's machine, on the database directly: API keys, the secret key");

  admin.command('list-organizations')
    .description('organizations with their delegated-admin account')
    .action(async (_o: unknown, cmd: Command) => withStore(cmd, async (store, _cfg, _log, opts) => {
      const rows = await store.db.selectFrom('organizations').leftJoin('accounts', (j) => j.onRef('accounts.organization_id', '=', 'organizations.id').on('accounts.is_delegated_admin', '=', 1))
        .select(['organizations.id', 'organizations.name', 'organizations.created_at', 'accounts.id as admin_account']).orderBy('organizations.created_at').orderBy('organizations.id').execute();
      if (opts.json) return printJson(rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, delegatedAdminAccountId: r.admin_account })));
      process.stdout.write(table(['id', 'name', 'delegated admin', 'created'], rows.map((r) => [r.id, r.name, r.admin_account, r.created_at])));
    }));

  admin.command('create-key')
    .description("create an API key (admin by default) for an organization's delegated-admin account, or for --account; the key is printed once")
    .option('--organization <id|name>', 'the organization (needed when there are several)')
    .option('--account <id>', 'a specific account instead of the delegated admin')
    .option('--name <name>', "the key's name", 'recovery key (vigil admin)')
    .option('--role <role>', `${ROLES.join(' | ')}`, 'admin')
    .action(async (o: { organization?: string; account?: string; name: string; role: string }, cmd: Command) => withStore(cmd, async (store, _cfg, _log, opts) => {
      if (!(ROLES as readonly string[]).includes(o.role)) throw new VigilError('VIGIL_CONFIG', `invalid --role ${JSON.stringify(o.role)}: expected ${ROLES.join(', ')}`, { input: o.role, rule: 'role' });
      if (o.name.trim() === '' || o.name.length > 200) throw new VigilError('VIGIL_CONFIG', 'invalid --name: 1 to 200 characters', { input: o.name, rule: 'key-name' });
      const { createApiKey } = await import('../server/tenancy/repo.ts');
      let accountId: string;
      let organizationId: string;
      if (o.account) {
        const acc = await store.db.selectFrom('accounts').select(['id', 'organization_id']).where('id', '=', o.account).executeTakeFirst();
        if (!acc) throw new VigilError('VIGIL_NOT_FOUND', `no account ${JSON.stringify(o.account)}`, { input: o.account, rule: 'account-not-found' });
        if (o.organization && (await resolveOrganization(store, o.organization)).id !== acc.organization_id) {
          throw new VigilError('VIGIL_CONFIG', `account ${o.account} is not in organization ${o.organization}`, { input: o.account, rule: 'account-organization' });
        }
        accountId = acc.id;
        organizationId = acc.organization_id;
      } else {
        const org = await resolveOrganization(store, o.organization);
        const acc = await store.db.selectFrom('accounts').select('id').where('organization_id', '=', org.id).where('is_delegated_admin', '=', 1).executeTakeFirst();
        if (!acc) throw new VigilError('VIGIL_NOT_FOUND', `organization ${org.id} has no delegated-admin account`, { input: org.id, rule: 'no-delegated-admin' });
        accountId = acc.id;
        organizationId = org.id;
      }
      const k = await createApiKey(store.db, accountId, o.name, o.role as (typeof ROLES)[number]);
      if (opts.json) return printJson({ ...k.apiKey, organizationId, key: k.key });
      process.stdout.write(`Created ${k.apiKey.role} key ${k.apiKey.id} (prefix ${k.apiKey.prefix}) for account ${accountId} of organization ${organizationId}.\n` +
        `API key (shown once; store it now):\n${k.key}\n`);
    }));

  admin.command('list-keys')
    .description('API keys (id, prefix, name, role, account, created, last used, revoked) — never their secrets')
    .option('--organization <id|name>', 'only this organization')
    .option('--account <id>', 'only this account')
    .option('--active', 'leave out revoked keys')
    .action(async (o: { organization?: string; account?: string; active?: boolean }, cmd: Command) => withStore(cmd, async (store, _cfg, _log, opts) => {
      let q = store.db.selectFrom('api_keys').innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
        .select(['api_keys.id', 'api_keys.prefix', 'api_keys.name', 'api_keys.role', 'api_keys.account_id', 'accounts.organization_id', 'api_keys.created_at', 'api_keys.last_used_at', 'api_keys.revoked_at']);
      if (o.organization) q = q.where('accounts.organization_id', '=', (await resolveOrganization(store, o.organization)).id);
      if (o.account) q = q.where('api_keys.account_id', '=', o.account);
      if (o.active) q = q.where('api_keys.revoked_at', 'is', null);
      const rows = await q.orderBy('api_keys.created_at').orderBy('api_keys.id').execute();
      if (opts.json) {
        return printJson(rows.map((r) => ({ id: r.id, prefix: r.prefix, name: r.name, role: r.role, accountId: r.account_id, organizationId: r.organization_id, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at })));
      }
      process.stdout.write(table(['id', 'prefix', 'name', 'role', 'account', 'organization', 'created', 'last used', 'revoked'],
        rows.map((r) => [r.id, r.prefix, r.name, r.role, r.account_id, r.organization_id, r.created_at, r.last_used_at ?? 'never', r.revoked_at ?? ''])));
    }));

  admin.command('revoke-key')
    .description('revoke an API key by id or prefix: the server refuses it from its next request')
    .argument('<key>', 'the key id (key_…) or its prefix')
    .action(async (given: string, _o: unknown, cmd: Command) => withStore(cmd, async (store, _cfg, _log, opts) => {
      const row = await store.db.selectFrom('api_keys').select(['id', 'prefix', 'account_id', 'revoked_at']).where((eb) => eb.or([eb('id', '=', given), eb('prefix', '=', given)])).executeTakeFirst();
      if (!row) throw new VigilError('VIGIL_NOT_FOUND', `no API key with id or prefix ${JSON.stringify(given)} (vigil admin list-keys)`, { input: given, rule: 'key-not-found' });
      const { revokeApiKey } = await import('../server/tenancy/repo.ts');
      await revokeApiKey(store.db, row.id);
      const after = await store.db.selectFrom('api_keys').select('revoked_at').where('id', '=', row.id).executeTakeFirstOrThrow();
      if (opts.json) return printJson({ id: row.id, prefix: row.prefix, accountId: row.account_id, revokedAt: after.revoked_at, alreadyRevoked: row.revoked_at !== null });
      process.stdout.write(row.revoked_at ? `Key ${row.id} (prefix ${row.prefix}) was already revoked at ${row.revoked_at}.\n` : `Revoked key ${row.id} (prefix ${row.prefix}) of account ${row.account_id}.\n`);
    }));

  admin.command('rotate-secret-key')
    .description('re-seal every stored credential under a new secret key in one transaction (with VIGIL_SECRET_KEY: under its first key)')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const cfg = resolveConfig(opts);
      const [{ createLogger, levelFor }, store_, { rotateSecrets, targetsNotSealedWith }, secrets, { join }] = await Promise.all([
        import('../log.ts'), import('../store/index.ts'), import('../engine/secrets.ts'), import('../store/secrets.ts'), import('node:path'),
      ]);
      const log = createLogger(levelFor(opts, 'warn'));
      const warn = (message: string) => log.warn({ rule: 'file-mode' }, message);
      store_.ensurePrivateDir(cfg.home, warn);
      const fromEnv = (process.env[secrets.SECRET_KEY_ENV] ?? '').trim() !== '';
      const file = join(cfg.home, secrets.SECRET_KEY_FILE);
      let oldKeys: string[] = [];
      let newKey: string | undefined;
      if (!fromEnv) {
        // the new key goes first in the file, the old ones stay after it until every row is
        // re-sealed: a process reading the file in between (a running server) opens both
        secrets.loadSecretKeyring({ home: cfg.home, warn }); // creates the file on a fresh home, fixes its mode
        oldKeys = secrets.readKeyFileKeys(file);
        newKey = secrets.generateSecretKey();
        secrets.writeKeyFile(file, [newKey, ...oldKeys]);
      }
      const ring = secrets.loadSecretKeyring({ home: cfg.home, warn });
      let store: Store | undefined;
      let committed = false;
      try {
        store = await store_.openStore(cfg.databaseUrl, { secrets: ring, onWarning: warn });
        let r = await rotateSecrets(store);
        committed = true;
        let total = r.resealed;
        // targets written meanwhile by a process that still sealed with the previous key
        for (let i = 0; i < 3 && (await targetsNotSealedWith(store.db, r.keyId)).length > 0; i++) {
          r = await rotateSecrets(store);
          total += r.resealed;
        }
        const left = await targetsNotSealedWith(store.db, r.keyId);
        if (left.length) throw new VigilError('VIGIL_CONFIG', `${left.length} targets are still sealed with another key (written concurrently); run the command again`, { rule: 'secret-rotation' });
        if (newKey) secrets.writeKeyFile(file, [newKey]);
        if (opts.json) return printJson({ keyId: r.keyId, previousKeyId: r.previousKeyId, resealed: total, keySource: ring.source });
        process.stdout.write(`Re-sealed the credentials of ${total} targets under key ${r.keyId}${r.previousKeyId && r.previousKeyId !== r.keyId ? ` (was ${r.previousKeyId})` : ''}.\n` +
          (newKey ? `${file} now holds only the new key: back it up with the database (older backups need the old key).\n`
            : `Remove the older keys from ${secrets.SECRET_KEY_ENV} and restart the servers and workers.\n`));
      } catch (err) {
        // nothing committed (the rotation is one transaction): the file goes back to the keys it
        // had; after a commit it keeps both keys, which opens every row either way
        if (newKey && !committed) secrets.writeKeyFile(file, oldKeys);
        throw err;
      } finally {
        await store?.close();
      }
    });
}
