/**
 * Issue 16 (Vigil score): reading the resource context the score uses — an image's use (registry
 * pulls `resources.last_pulled_at`; issue 19: `running_containers`, `last_in_use_at`) and the network reachability the network analysis records in
 * `resources.attributes.reachability` (a {@link ResourceReachability}). Only that key of the
 * attributes is read (an SSH host's attributes can be large), the same way on SQLite and PostgreSQL.
 */
import { sql } from 'kysely';
import type { ResourceReachability } from '../model/index.ts';
import type { Dialect } from '../store/index.ts';
import { resourceScoreContext, type ResourceScoreContext } from './score.ts';
import type { Db } from './types.ts';

/** `attributes.reachability` as JSON text (null when absent) */
export function reachabilityExpr(dialect: Dialect) {
  return dialect === 'postgres'
    ? sql<string | null>`(attributes::jsonb -> 'reachability')::text`
    : sql<string | null>`json_extract(attributes, '$.reachability')`;
}

/**
 * The score context of each resource (by id) at time `now`; resources without any signal get `{}`.
 * @throws whatever the database throws; a reachability value that is not a JSON object is ignored
 */
export async function loadScoreContexts(db: Db, dialect: Dialect, ids: readonly string[], now: Date): Promise<Map<string, ResourceScoreContext>> {
  const out = new Map<string, ResourceScoreContext>();
  const uniq = [...new Set(ids)];
  for (let i = 0; i < uniq.length; i += 500) {
    const rows = await db.selectFrom('resources').select(['id', 'type', 'last_pulled_at', 'running_containers', 'last_in_use_at', reachabilityExpr(dialect).as('reachability')])
      .where('id', 'in', uniq.slice(i, i + 500)).execute();
    for (const r of rows) {
      let reachability: ResourceReachability | null = null;
      if (typeof r.reachability === 'string') {
        try {
          const v = JSON.parse(r.reachability) as unknown;
          if (v && typeof v === 'object' && !Array.isArray(v)) reachability = v as ResourceReachability;
        } catch { /* not JSON: no signal */ }
      }
      out.set(r.id, resourceScoreContext({ type: r.type, last_pulled_at: r.last_pulled_at, running_containers: r.running_containers, last_in_use_at: r.last_in_use_at, reachability }, now));
    }
  }
  return out;
}
