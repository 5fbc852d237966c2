/**
 * Alias groups: records that name each other in `aliases` describe the same vulnerability (CVE ↔
 * GHSA ↔ PYSEC ↔ GO ↔ RUSTSEC), so they form one group, found by union-find over the alias graph.
 * `upstream` and `related` are links, not identity: a DSA or an ALSA erratum lists several CVEs it
 * fixes, and merging through them would chain unrelated CVEs into one giant "vulnerability". Links
 * are followed when a vulnerability is shown (see query.ts), not when groups are formed — except a
 * record with exactly one upstream id (ALPINE-CVE-…, a DSA fixing a single CVE), which joins it.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../store/index.ts';

/** Preferred group id: a CVE, then a GHSA, then the smallest id. Stable across imports. */
export function groupId(members: string[]): string {
  const rank = (id: string) => (id.startsWith('CVE-') ? 0 : id.startsWith('GHSA-') ? 1 : 2);
  return [...members].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))[0];
}

/** A member whose group changed: `from` null for a new member, `to` null for one no longer known. */
export interface GroupMove {
  member: string;
  from: string | null;
  to: string | null;
}

/** Recomputes the groups and writes only what changed. Returns every member whose group id changed. */
export async function recomputeGroups(trx: Transaction<Database>, touched: Set<string>): Promise<GroupMove[]> {
  if (touched.size === 0) return [];
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) {
      const p = parent.get(r);
      if (p === undefined) { parent.set(r, r); return r; }
      r = p;
    }
    let c = x; // path compression
    while (c !== r) { const n = parent.get(c)!; parent.set(c, r); c = n; }
    return r;
  };
  const union = (a: string, b: string) => {
    const ra = find(a), rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const { id } of await trx.selectFrom('vuln_records').select('id').execute()) find(id);
  for (const { record_id, alias } of await trx.selectFrom('vuln_aliases').select(['record_id', 'alias']).where('kind', '=', 'alias').execute()) union(record_id, alias);
  // a record derived from exactly one upstream vulnerability (ALPINE-CVE-…, a DSA fixing one CVE)
  // is that vulnerability as far as findings go; with several upstreams it stays a link
  const upstream = new Map<string, string[]>();
  for (const { record_id, alias } of await trx.selectFrom('vuln_aliases').select(['record_id', 'alias']).where('kind', '=', 'upstream').execute()) {
    const list = upstream.get(record_id);
    if (list) list.push(alias);
    else upstream.set(record_id, [alias]);
  }
  for (const [record, list] of upstream) if (list.length === 1) union(record, list[0]);

  const groups = new Map<string, string[]>();
  for (const m of parent.keys()) {
    const r = find(m);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(m);
  }
  const want = new Map<string, string>();
  for (const members of groups.values()) {
    const gid = groupId(members);
    for (const m of members) want.set(m, gid);
  }
  const have = new Map<string, string>();
  for (const row of await trx.selectFrom('vuln_groups').select(['member', 'group_id']).execute()) have.set(row.member, row.group_id);

  const upserts: { member: string; group_id: string }[] = [];
  for (const [member, gid] of want) if (have.get(member) !== gid) upserts.push({ member, group_id: gid });
  const deletes = [...have.keys()].filter((m) => !want.has(m));
  for (let i = 0; i < deletes.length; i += 1000) await trx.deleteFrom('vuln_groups').where('member', 'in', deletes.slice(i, i + 1000)).execute();
  for (let i = 0; i < upserts.length; i += 1000) {
    await trx.insertInto('vuln_groups').values(upserts.slice(i, i + 1000))
      .onConflict((oc) => oc.column('member').doUpdateSet((eb) => ({ group_id: eb.ref('excluded.group_id') }))).execute();
  }
  return [
    ...upserts.map((u) => ({ member: u.member, from: have.get(u.member) ?? null, to: u.group_id })),
    ...deletes.map((m) => ({ member: m, from: have.get(m)!, to: null })),
  ];
}
