/**
 * Targets: what an account asked Vigil to watch. Each kind has a zod-validated config; secrets
 * (passwords, private keys, webhook secrets) are sealed in the database (secrets.ts) and never
 * leave through {@link publicConfig}.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { VigilError } from '../model/errors.ts';
import type { TargetPolicy } from '../policy/index.ts';
import type { Store } from '../store/index.ts';
import { checkTargetAccess } from './access.ts';
import type { Selectable } from 'kysely';
import type { Database } from '../store/index.ts';
import { openTargetConfig, sealTargetConfig, SECRET_FIELDS } from './secrets.ts';
import { checkSecretPath, DEFAULT_HOST_SECRET_PATHS, MAX_SECRET_PATH_CHARS, MAX_SECRET_PATHS } from '../sources/ssh/remote.ts';

export const TARGET_KINDS = ['registry', 'host', 'repository', 'function', 'rootfs'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

const interval = z.number().int().min(10).max(30 * 86_400);

// Field descriptions are the API's documentation too (OpenAPI components RegistryConfig, … built from these schemas).
export const registryConfigSchema = z.strictObject({
  url: z.string().min(1).max(500).describe('"host[:port]" or a URL ("http://127.0.0.1:5000" makes it plain http)'),
  username: z.string().max(500).optional().describe('registry user'),
  password: z.string().max(5000).optional().describe('registry password or token (sealed at rest, never shown)'),
  repositories: z.array(z.string().min(1).max(500)).max(1000).optional().describe('repositories to watch (globs with `*`); all when absent'),
  pollSeconds: z.union([z.literal(0), interval]).optional().describe('catalog poll period, seconds (default 300; 0 = push notifications only)'),
  notificationToken: z.string().min(16).max(500).optional().describe("the bearer token the registry's notifications must carry (generated when absent, shown once)"),
});

export const hostConfigSchema = z.strictObject({
  mode: z.enum(['ssh', 'agent', 'hybrid']).default('ssh').describe('ssh: agentless only; agent: reports only; hybrid: SSH unless an agent reported within a day'),
  address: z.string().min(1).max(500).optional().describe('host name or address (required for ssh and hybrid)'),
  port: z.number().int().min(1).max(65535).optional().describe('SSH port (default 22)'),
  username: z.string().min(1).max(200).optional().describe('SSH user (required for ssh and hybrid)'),
  privateKey: z.string().max(20_000).optional().describe('SSH private key, PEM or OpenSSH (sealed at rest, never shown)'),
  passphrase: z.string().max(1000).optional().describe("the private key's passphrase (sealed at rest, never shown)"),
  password: z.string().max(1000).optional().describe('SSH password (sealed at rest, never shown)'),
  hostKeyFingerprint: z.string().max(200).optional().describe('"SHA256:…": any other host key is refused'),
  scanSeconds: interval.optional().describe('rescan period over SSH, seconds (default 6 h)'),
  machineId: z.string().max(200).optional().describe('agent hosts: the machine id the agent reports (matched on report)'),
  secretPaths: z.array(z.string().max(MAX_SECRET_PATH_CHARS).superRefine((p, ctx) => {
    const why = checkSecretPath(p);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  })).max(MAX_SECRET_PATHS).optional().describe(`absolute directories read over SSH for hardcoded secrets (default ${DEFAULT_HOST_SECRET_PATHS.join(', ')}; [] turns it off); no symlink followed out of them, other filesystems not entered`),
});

export const repositoryConfigSchema = z.strictObject({
  url: z.string().min(1).max(2000).describe('a git URL or a local path; "https://user:token@host/…" is split into username and password'),
  branch: z.string().min(1).max(300).default('main').describe('the branch to watch'),
  pollSeconds: z.union([z.literal(0), interval]).optional().describe('poll period, seconds (default 300; 0 = webhooks only)'),
  webhookSecret: z.string().min(8).max(500).optional().describe('the secret GitHub signs push payloads with / GitLab sends as X-Gitlab-Token (generated when absent, shown once)'),
  // https credentials, sealed at rest and handed to git by a credential helper
  username: z.string().min(1).max(500).regex(/^[^\0-\x1f\x7f]*$/, 'no control characters').optional().describe('https user name (with password)'),
  password: z.string().min(1).max(5000).regex(/^[^\0-\x1f\x7f]*$/, 'no control characters').optional().describe('https password or access token (sealed at rest, never shown)'),
});

export const functionConfigSchema = z.strictObject({
  runtime: z.string().max(100).optional().describe('e.g. "nodejs20.x", "python3.12" (informational)'),
  watchedPath: z.string().max(4000).optional().describe('set by the watch-directory scanner: the file it came from'),
});

export const rootfsConfigSchema = z.strictObject({
  path: z.string().min(1).max(4000).refine((p) => p.startsWith('/'), 'must be an absolute path').describe('an absolute path on the machine the workers run on (a mounted disk snapshot, a chroot); only under --allow-path'),
  scanSeconds: interval.optional().describe('rescan period, seconds (default 6 h)'),
});

export type RegistryConfig = z.infer<typeof registryConfigSchema>;
export type HostConfig = z.infer<typeof hostConfigSchema>;
export type RepositoryConfig = z.infer<typeof repositoryConfigSchema>;
export type FunctionConfig = z.infer<typeof functionConfigSchema>;
export type RootfsConfig = z.infer<typeof rootfsConfigSchema>;

export const CONFIG_SCHEMAS = {
  registry: registryConfigSchema, host: hostConfigSchema, repository: repositoryConfigSchema,
  function: functionConfigSchema, rootfs: rootfsConfigSchema,
} as const;

/** The API's names for the kinds' config schemas (OpenAPI components; the console builds its forms from them). */
export const CONFIG_SCHEMA_NAMES: Record<TargetKind, string> = {
  registry: 'RegistryConfig', host: 'HostConfig', repository: 'RepositoryConfig', function: 'FunctionConfig', rootfs: 'RootfsConfig',
};

/**
 * A kind's config as the API shows it ({@link publicConfig}): the same fields, each credential
 * (SECRET_FIELDS) a boolean "set". Derived from the kind's schema, so the field list is kept once.
 * Not strict: a stored config from an older version with a field since dropped still shows.
 */
function publicSchemaOf<S extends z.ZodObject>(schema: S) {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    shape[k] = SECRET_FIELDS.has(k) ? z.boolean().optional().describe(`whether ${k} is set (never shown)`) : v;
  }
  return z.object(shape);
}

export const PUBLIC_CONFIG_SCHEMAS = {
  registry: publicSchemaOf(registryConfigSchema), host: publicSchemaOf(hostConfigSchema), repository: publicSchemaOf(repositoryConfigSchema),
  function: publicSchemaOf(functionConfigSchema), rootfs: publicSchemaOf(rootfsConfigSchema),
} as const;

export type TargetRow = Selectable<Database['targets']>;

export interface Target<C = unknown> {
  id: string;
  accountId: string;
  kind: TargetKind;
  name: string;
  config: C;
  state: Record<string, unknown>;
  status: string;
  nextPollAt: string | null;
  lastPolledAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * A stored row as a target, its credentials opened with the store's keyring.
 * @throws VigilError VIGIL_CONFIG when they cannot be (no keyring, another key; see secrets.ts)
 */
export function targetFromRow<C = unknown>(store: Store, r: TargetRow): Target<C> {
  return {
    id: r.id, accountId: r.account_id, kind: r.kind as TargetKind, name: r.name,
    config: openTargetConfig(store, r.id, r.config) as C, state: JSON.parse(r.state) as Record<string, unknown>, status: r.status,
    nextPollAt: r.next_poll_at, lastPolledAt: r.last_polled_at, lastError: r.last_error, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** The config without secrets: each secret becomes `true` ("set"). */
export function publicConfig(config: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) out[k] = SECRET_FIELDS.has(k) ? v !== undefined && v !== '' : v;
  return out;
}

/** The stable name of a target of a kind, from its config. */
export function targetNameOf(kind: TargetKind, config: Record<string, unknown>, given?: string): string {
  if (given) return given;
  switch (kind) {
    case 'registry': return registryHost(String(config.url));
    case 'host': return String(config.address ?? config.machineId ?? '');
    case 'repository': return `${String(config.url)}#${String(config.branch ?? 'main')}`;
    case 'rootfs': return String(config.path);
    default: return '';
  }
}

/** "http://127.0.0.1:5000/" → "127.0.0.1:5000"; "registry.example" stays. */
export function registryHost(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** Whether a registry URL asks for plain http. */
export function registryPlainHttp(url: string): boolean {
  return /^http:\/\//i.test(url);
}

/**
 * Validates a kind's config.
 * @throws VigilError VIGIL_INVALID_INPUT naming the first field and rule
 */
export function parseConfig(kind: TargetKind, config: unknown): Record<string, unknown> {
  const schema = CONFIG_SCHEMAS[kind];
  const r = schema.safeParse(config ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.') || '(config)';
    throw new VigilError('VIGIL_INVALID_INPUT', `${kind} config: ${field}: ${issue.message}`, { input: field, rule: issue.code });
  }
  const c = r.data as Record<string, unknown>;
  if (kind === 'repository') splitUrlCredentials(c);
  if (kind === 'repository' && !c.webhookSecret) c.webhookSecret = randomBytes(24).toString('base64url');
  if (kind === 'registry' && !c.notificationToken) c.notificationToken = randomBytes(24).toString('base64url');
  if (kind === 'host' && c.mode !== 'agent' && (!c.address || !c.username)) {
    throw new VigilError('VIGIL_INVALID_INPUT', `host config: address and username are required for mode ${String(c.mode)}`, { input: 'address', rule: 'required' });
  }
  return c;
}

/**
 * Moves the credentials of an https repository URL ("https://user:token@host/repo.git") into
 * `username` and `password`: the URL becomes the target's name and its resource's name, which are
 * stored and shown in the clear; the password field is sealed.
 * @throws VigilError VIGIL_INVALID_INPUT for a user part without a password (a token as the user
 *   name would be stored in the clear), or credentials given twice
 */
function splitUrlCredentials(c: Record<string, unknown>): void {
  const url = String(c.url);
  const m = /^(https?:\/\/)([^/?#@]*)@/i.exec(url);
  if (!m) return;
  const colon = m[2].indexOf(':');
  if (colon < 0) {
    throw new VigilError('VIGIL_INVALID_INPUT', 'repository config: url: a user part without a password would be stored in the clear; give the token as config.password (and the user as config.username)', { input: 'url', rule: 'url-credentials' });
  }
  if (c.username !== undefined || c.password !== undefined) {
    throw new VigilError('VIGIL_INVALID_INPUT', 'repository config: url: credentials both in the URL and in username/password', { input: 'url', rule: 'url-credentials' });
  }
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(m[2].slice(0, colon));
    password = decodeURIComponent(m[2].slice(colon + 1));
  } catch {
    throw new VigilError('VIGIL_INVALID_INPUT', 'repository config: url: malformed percent-encoding in the credentials', { input: 'url', rule: 'url-credentials' });
  }
  c.url = m[1] + url.slice(m[0].length);
  if (username) c.username = username;
  if (password) c.password = password;
}

/** The git credentials of a repository config, when it has any. */
export function repositoryCredentials(c: RepositoryConfig): { username: string; password: string } | undefined {
  if (c.password === undefined && c.username === undefined) return undefined;
  return { username: c.username ?? 'git', password: c.password ?? '' };
}

export interface CreateTargetInput {
  accountId: string;
  kind: TargetKind;
  name?: string;
  config: unknown;
  id?: string;
  /** a tenant's target (registered through the API): its paths and hosts are checked against the operator's policy first */
  policy?: TargetPolicy;
}

/**
 * Registers a target; its first poll is due at once.
 * @throws VigilError VIGIL_INVALID_INPUT (config), VIGIL_FORBIDDEN (the policy refuses its path or host),
 *   VIGIL_CONFLICT (same kind and name in the account)
 */
export async function createTarget(store: Store, input: CreateTargetInput, now: Date): Promise<Target> {
  const config = parseConfig(input.kind, input.config);
  if (input.policy) await checkTargetAccess(input.policy, input.kind, config);
  const name = targetNameOf(input.kind, config, input.name);
  if (!name) throw new VigilError('VIGIL_INVALID_INPUT', `${input.kind}: a name is required`, { input: 'name', rule: 'required' });
  const at = now.toISOString();
  const exists = await store.db.selectFrom('targets').select('id').where('account_id', '=', input.accountId).where('kind', '=', input.kind).where('name', '=', name).executeTakeFirst();
  if (exists) throw new VigilError('VIGIL_CONFLICT', `${input.kind} "${name}" is already registered (${exists.id})`, { input: name, rule: 'unique-target' });
  const id = input.id ?? `${input.kind.slice(0, 3)}-${randomUUID()}`;
  const row: TargetRow = {
    id, account_id: input.accountId, kind: input.kind, name,
    config: await sealTargetConfig(store, store.db, id, config), state: '{}', status: 'ENABLED', next_poll_at: at, last_polled_at: null, last_error: null, created_at: at, updated_at: at,
  };
  await store.db.insertInto('targets').values(row).execute();
  return { ...targetFromRow(store, { ...row, config: '{}' }), config };
}

export async function getTarget(store: Store, id: string): Promise<Target | null> {
  const r = await store.db.selectFrom('targets').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? targetFromRow(store, r) : null;
}

export async function listTargets(store: Store, opts: { kind?: TargetKind; accountIds?: readonly string[] | null }): Promise<Target[]> {
  let q = store.db.selectFrom('targets').selectAll().orderBy('created_at').orderBy('id');
  if (opts.kind) q = q.where('kind', '=', opts.kind);
  if (opts.accountIds) {
    if (opts.accountIds.length === 0) return [];
    q = q.where('account_id', 'in', [...opts.accountIds]);
  }
  return (await q.execute()).map((r) => targetFromRow(store, r));
}

export async function updateTargetState(store: Store, id: string, patch: { state?: Record<string, unknown>; nextPollAt?: string | null; lastPolledAt?: string; lastError?: string | null; config?: Record<string, unknown> }, now: Date): Promise<void> {
  await store.db.updateTable('targets').set({
    ...(patch.state ? { state: JSON.stringify(patch.state) } : {}),
    ...(patch.config ? { config: await sealTargetConfig(store, store.db, id, patch.config) } : {}),
    ...(patch.nextPollAt !== undefined ? { next_poll_at: patch.nextPollAt } : {}),
    ...(patch.lastPolledAt ? { last_polled_at: patch.lastPolledAt } : {}),
    ...(patch.lastError !== undefined ? { last_error: patch.lastError } : {}),
    updated_at: now.toISOString(),
  }).where('id', '=', id).execute();
}

export async function getTargetByName(store: Store, accountId: string, kind: TargetKind, name: string): Promise<Target | null> {
  const r = await store.db.selectFrom('targets').selectAll().where('account_id', '=', accountId).where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
  return r ? targetFromRow(store, r) : null;
}

/** Deletes a target; its resources become INACTIVE/RESOURCE_REMOVED with their findings closed (by the caller, engine/index.ts). */
export async function deleteTarget(store: Store, id: string): Promise<void> {
  await store.db.deleteFrom('targets').where('id', '=', id).execute();
}
