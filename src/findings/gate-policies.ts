/**
 * An account's gate policies (issue 19): stored by name, as written (YAML or JSON) and as
 * validated. Each policy has an admission token: Kubernetes calls the admission webhook without an
 * API key, so the webhook's URL carries this token (docs/gating.md, "Authentication"). The token is
 * made when the policy is first stored and shown once; only its sha256 is kept; a PUT keeps it
 * unless asked to rotate it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { VigilError } from '../model/errors.ts';
import { parseGatePolicy, type GatePolicy } from './gate.ts';
import type { Db } from './types.ts';

/** A policy name: what URLs and `?policy=` carry. */
export const GATE_POLICY_NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;

export interface StoredGatePolicy {
  accountId: string;
  name: string;
  source: string;
  format: 'yaml' | 'json';
  policy: GatePolicy;
  createdAt: string;
  updatedAt: string;
}

const hashToken = (t: string): string => createHash('sha256').update(t).digest('hex');

/** `vgt_` and 32 random bytes, base64url. */
export function newGateToken(): string {
  return `vgt_${randomBytes(32).toString('base64url')}`;
}

function rowOf(r: { account_id: string; name: string; source: string; format: string; policy: string; created_at: string; updated_at: string }): StoredGatePolicy {
  return { accountId: r.account_id, name: r.name, source: r.source, format: r.format as 'yaml' | 'json', policy: JSON.parse(r.policy) as GatePolicy, createdAt: r.created_at, updatedAt: r.updated_at };
}

/**
 * Validates the name and the body; the body is JSON when it parses as JSON, else YAML.
 * @throws VigilError VIGIL_INVALID_INPUT naming the field (rule "gate-policy") or the name (rule "gate-policy-name")
 */
export function readPolicyBody(name: string, body: string): { policy: GatePolicy; format: 'yaml' | 'json' } {
  if (!GATE_POLICY_NAME.test(name)) throw new VigilError('VIGIL_INVALID_INPUT', `gate policy name ${JSON.stringify(name)}: 1–63 characters a-z 0-9 . _ -, starting and ending with a letter or digit`, { input: name, rule: 'gate-policy-name' });
  let format: 'yaml' | 'json' = 'yaml';
  try { JSON.parse(body); format = 'json'; } catch { /* YAML then */ }
  return { policy: parseGatePolicy(body, `"${name}"`), format };
}

/**
 * Creates or replaces a policy. Returns the token when one was made (a new policy, or `rotate`).
 * @throws VigilError as {@link readPolicyBody}
 */
export async function putGatePolicy(db: Db, accountId: string, name: string, body: string, now: Date, opts: { rotate?: boolean } = {}): Promise<{ policy: StoredGatePolicy; created: boolean; token?: string }> {
  const { policy, format } = readPolicyBody(name, body);
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const prev = await trx.selectFrom('gate_policies').select(['created_at', 'token_hash']).where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
    const token = !prev || opts.rotate ? newGateToken() : undefined;
    const values = { source: body, format, policy: JSON.stringify(policy), token_hash: token ? hashToken(token) : prev!.token_hash, updated_at: at };
    if (prev) await trx.updateTable('gate_policies').set(values).where('account_id', '=', accountId).where('name', '=', name).execute();
    else await trx.insertInto('gate_policies').values({ account_id: accountId, name, created_at: at, ...values }).execute();
    const stored = rowOf({ account_id: accountId, name, created_at: prev?.created_at ?? at, ...values });
    return { policy: stored, created: !prev, ...(token ? { token } : {}) };
  });
}

export async function getGatePolicy(db: Db, accountId: string, name: string): Promise<StoredGatePolicy | null> {
  const r = await db.selectFrom('gate_policies').selectAll().where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
  return r ? rowOf(r) : null;
}

export async function listGatePolicies(db: Db, accountIds: string[]): Promise<StoredGatePolicy[]> {
  if (accountIds.length === 0) return [];
  const rows = await db.selectFrom('gate_policies').selectAll().where('account_id', 'in', accountIds).orderBy('account_id').orderBy('name').execute();
  return rows.map(rowOf);
}

export async function deleteGatePolicy(db: Db, accountId: string, name: string): Promise<boolean> {
  const r = await db.deleteFrom('gate_policies').where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * The policy whose admission token this is, or null (unknown account, policy or wrong token: one
 * answer for all, and one hash compare whatever the case).
 */
export async function policyByToken(db: Db, accountId: string, name: string, token: string): Promise<StoredGatePolicy | null> {
  const r = await db.selectFrom('gate_policies').selectAll().where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
  const want = Buffer.from(r?.token_hash ?? '0'.repeat(64), 'hex');
  const ok = timingSafeEqual(want, Buffer.from(hashToken(token), 'hex'));
  return r && ok ? rowOf(r) : null;
}
