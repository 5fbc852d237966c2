/**
 * Key/value tags of resources (issue 18: CIS scan configurations target resources by tag; Inspector
 * targets instances by their EC2 tags). Set through the API (`source` "api") or reported by a host's
 * agent (`vigil agent --tag key=value`, source "agent"). A key set through the API is the
 * operator's word: an agent's report never overwrites it, and replaces only its own tags.
 *
 * Keys and values follow AWS's tag rules: letters, digits, spaces and `_ . : / = + - @`; keys
 * 1–128 characters, values 0–256; at most 50 tags per resource.
 */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { VigilError } from '../model/errors.ts';
import type { Database } from '../store/index.ts';

export const MAX_RESOURCE_TAGS = 50;
const TAG_CHARS = /^[\p{L}\p{N}\s_.:/=+\-@]*$/u;

export const TagKey = z.string().min(1).max(128).regex(TAG_CHARS, 'letters, digits, spaces and _ . : / = + - @').describe('a tag key');
export const TagValue = z.string().max(256).regex(TAG_CHARS, 'letters, digits, spaces and _ . : / = + - @').describe('a tag value');
/** key → value; a bad key is reported with its own rule (a record's key schema only says "Invalid key in record") */
export const ResourceTags = z.record(z.string(), TagValue).superRefine((t, ctx) => {
  const keys = Object.keys(t);
  if (keys.length > MAX_RESOURCE_TAGS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_RESOURCE_TAGS} tags, got ${keys.length}` });
  for (const k of keys) {
    const r = TagKey.safeParse(k);
    if (!r.success) ctx.addIssue({ code: 'custom', path: [k], message: `tag key ${JSON.stringify(k.slice(0, 140))}: ${r.error.issues[0].message}` });
  }
});
export type ResourceTags = Record<string, string>;

/** Tag selectors (CIS targets, destination filters): key → accepted values (1–5); every key must match. */
export function tagSelector(maxKeys: number) {
  return z.record(z.string(), z.array(TagValue).min(1).max(5)).superRefine((t, ctx) => {
    const keys = Object.keys(t);
    if (keys.length > maxKeys) ctx.addIssue({ code: 'custom', message: `at most ${maxKeys} tag keys, got ${keys.length}` });
    for (const k of keys) {
      const r = TagKey.safeParse(k);
      if (!r.success) ctx.addIssue({ code: 'custom', path: [k], message: `tag key ${JSON.stringify(k.slice(0, 140))}: ${r.error.issues[0].message}` });
    }
  });
}

export type TagSource = 'api' | 'agent';

/**
 * Checks tags as the API's schema does (an in-process caller, the agent's report, gets the same rules).
 * @throws VigilError VIGIL_INVALID_INPUT naming the key ("tags.env: …")
 */
export function checkTags(tags: unknown, field = 'tags'): ResourceTags {
  const r = ResourceTags.safeParse(tags);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const at = [field, ...i.path.map(String)].join('.');
  throw new VigilError('VIGIL_INVALID_INPUT', `${at}: ${i.message}`, { input: at, rule: 'resource-tag' });
}

/** The tags of these resources, by resource id (every id present, {} when none). */
export async function tagsOf(db: Kysely<Database>, resourceIds: readonly string[]): Promise<Map<string, ResourceTags>> {
  const out = new Map<string, ResourceTags>(resourceIds.map((id) => [id, {}]));
  for (let i = 0; i < resourceIds.length; i += 500) {
    const rows = await db.selectFrom('resource_tags').select(['resource_id', 'key', 'value']).where('resource_id', 'in', resourceIds.slice(i, i + 500)).orderBy('key').execute();
    for (const r of rows) out.get(r.resource_id)![r.key] = r.value;
  }
  return out;
}

/**
 * Sets tags on a resource (the others stay). API tags replace whatever held the key; agent tags
 * never replace an API tag.
 * @throws VigilError VIGIL_LIMIT_EXCEEDED rule "max-tags" past {@link MAX_RESOURCE_TAGS}
 */
export async function setTags(db: Kysely<Database>, r: { id: string; accountId: string }, tags: ResourceTags, source: TagSource, now: Date): Promise<ResourceTags> {
  await db.transaction().execute(async (trx) => {
    const have = await trx.selectFrom('resource_tags').select(['key', 'source']).where('resource_id', '=', r.id).execute();
    const keys = new Set(have.map((h) => h.key));
    for (const k of Object.keys(tags)) keys.add(k);
    if (keys.size > MAX_RESOURCE_TAGS) throw new VigilError('VIGIL_LIMIT_EXCEEDED', `resource ${r.id}: ${keys.size} tags, at most ${MAX_RESOURCE_TAGS}`, { input: r.id, rule: 'max-tags' });
    const api = new Set(have.filter((h) => h.source === 'api').map((h) => h.key));
    for (const [key, value] of Object.entries(tags)) {
      if (source === 'agent' && api.has(key)) continue;
      await trx.insertInto('resource_tags').values({ resource_id: r.id, account_id: r.accountId, key, value, source, updated_at: now.toISOString() })
        .onConflict((oc) => oc.columns(['resource_id', 'key']).doUpdateSet({ value, source, updated_at: now.toISOString() })).execute();
    }
  });
  return (await tagsOf(db, [r.id])).get(r.id)!;
}

/** Removes tags by key; returns what is left. */
export async function removeTags(db: Kysely<Database>, resourceId: string, keys: readonly string[]): Promise<ResourceTags> {
  if (keys.length) await db.deleteFrom('resource_tags').where('resource_id', '=', resourceId).where('key', 'in', [...keys]).execute();
  return (await tagsOf(db, [resourceId])).get(resourceId)!;
}

/** An agent's report: its tags become these (its earlier tags not named go; API tags stay). */
export async function replaceAgentTags(db: Kysely<Database>, r: { id: string; accountId: string }, tags: ResourceTags, now: Date): Promise<void> {
  const gone = await db.selectFrom('resource_tags').select('key').where('resource_id', '=', r.id).where('source', '=', 'agent').execute();
  const drop = gone.map((g) => g.key).filter((k) => !(k in tags));
  if (drop.length) await db.deleteFrom('resource_tags').where('resource_id', '=', r.id).where('source', '=', 'agent').where('key', 'in', drop).execute();
  await setTags(db, r, tags, 'agent', now);
}

/**
 * The resources of these accounts whose tags match: for every key, the resource has it with one of
 * the values (keys AND, values OR). An empty match selects nothing here (callers skip the filter).
 */
export async function resourcesWithTags(db: Kysely<Database>, accountIds: readonly string[], match: Record<string, readonly string[]>): Promise<Set<string>> {
  const keys = Object.keys(match);
  if (!keys.length || !accountIds.length) return new Set();
  let ids: Set<string> | undefined;
  for (const k of keys) {
    const rows = await db.selectFrom('resource_tags').select('resource_id').where('account_id', 'in', [...accountIds]).where('key', '=', k).where('value', 'in', [...match[k]]).execute();
    const these = new Set(rows.map((r) => r.resource_id));
    ids = ids ? new Set([...ids].filter((x) => these.has(x))) : these;
    if (!ids.size) break;
  }
  return ids ?? new Set();
}
