/**
 * The vulnerability search and the merged record of GET /v1/vulnerabilities[/{id}], from the
 * vulnerability database (vulndb/query.ts merges a group's records with the CVE enrichment: CVSS,
 * KEV, EPSS). `affectedResources` counts only the resources in the caller's sight.
 */
import type { OsvRecord, Severity } from '../../model/index.ts';
import type { Store } from '../../store/index.ts';
import { searchVulnerabilities, showVulnerability, type MergedVulnerability } from '../../vulndb/query.ts';

/** ids look like "CVE-2024-1234", "GHSA-xxxx-…", "DSA-5000-1", "RUSTSEC-2024-0001" (or a prefix of one) */
const ID_PREFIX = /^[A-Za-z][A-Za-z0-9]*-[\w.:-]*$/;

const severityOf = (m: MergedVulnerability): Severity => (m.cvss?.rating ?? 'UNKNOWN') as Severity;

/** Resources in these accounts with open (ACTIVE or SUPPRESSED) findings of the group (its id or a member's). */
export async function affectedResourceCount(store: Store, m: Pick<MergedVulnerability, 'id' | 'aliases'>, accountIds: readonly string[]): Promise<number> {
  if (accountIds.length === 0) return 0;
  const r = await store.db.selectFrom('findings').select((eb) => eb.fn.count<number>('resource_id').distinct().as('n'))
    .where('vulnerability_id', 'in', [m.id, ...m.aliases]).where('status', 'in', ['ACTIVE', 'SUPPRESSED']).where('account_id', 'in', [...accountIds])
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** the smallest string greater than every string starting with `p` */
const prefixEnd = (p: string) => p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);

/**
 * Alias groups whose id or an alias is `q` or starts with it (CVE and GHSA spellings upper-cased);
 * else the groups of the records whose summary has the text or that name the package (vulndb's search).
 */
export async function findGroups(store: Store, q: string, limit: number): Promise<string[]> {
  const { db } = store;
  const groups: string[] = [];
  const add = (g: string) => { if (!groups.includes(g) && groups.length < limit) groups.push(g); };
  const query = q.trim();
  if (ID_PREFIX.test(query)) {
    for (const p of new Set([query, query.toUpperCase(), query.replace(/^ghsa-/i, 'GHSA-')])) {
      // exact first, then the prefix range (the member primary key and the alias index answer both)
      for (const r of await db.selectFrom('vuln_groups').select('group_id').where('member', '=', p).execute()) add(r.group_id);
      const members = await db.selectFrom('vuln_groups').select(['member', 'group_id']).where('member', '>=', p).where('member', '<', prefixEnd(p))
        .orderBy('member').limit(limit * 4).execute();
      for (const r of members) add(r.group_id);
      // ids only ever named as an alias (a CVE with no record of its own): the records naming it
      const named = await db.selectFrom('vuln_aliases').innerJoin('vuln_groups', 'vuln_groups.member', 'vuln_aliases.record_id')
        .select(['vuln_aliases.alias', 'vuln_groups.group_id']).where('vuln_aliases.kind', '=', 'alias')
        .where('vuln_aliases.alias', '>=', p).where('vuln_aliases.alias', '<', prefixEnd(p)).orderBy('vuln_aliases.alias').limit(limit * 4).execute();
      for (const r of named) add(r.group_id);
    }
    if (groups.length) return groups;
  }
  for (const hit of await searchVulnerabilities(store, query, limit * 2)) add(hit.group);
  return groups;
}

/** One search hit per alias group, with what the list shows. */
export async function searchHits(store: Store, q: string, limit: number, accountIds: readonly string[]) {
  const out = [];
  for (const g of await findGroups(store, q, limit)) {
    const m = await showVulnerability(store, g);
    if (!m) continue;
    out.push({
      id: m.id, aliases: m.aliases, summary: m.summary, severity: severityOf(m), score: m.cvss?.score ?? null, kev: m.kev.length > 0,
      published: m.published, modified: m.modified, affectedResources: await affectedResourceCount(store, m, accountIds),
    });
  }
  return out;
}

/** The merged record of an id or alias, with each advisory's fixed versions and references; null when the database has none. */
export async function vulnerabilityRecord(store: Store, id: string, accountIds: readonly string[]) {
  const m = await showVulnerability(store, id);
  if (!m) return null;
  const rows = m.records.length ? await store.db.selectFrom('vuln_records').select(['id', 'json']).where('id', 'in', m.records.map((r) => r.id)).execute() : [];
  const json = new Map(rows.map((r) => [r.id, JSON.parse(r.json) as OsvRecord]));
  const advisories = m.records.map((r) => {
    const rec = json.get(r.id);
    const fixed: { ecosystem: string; name: string; version: string }[] = [];
    for (const a of rec?.affected ?? []) {
      for (const range of a.ranges ?? []) {
        // a GIT range's events are commit ids of the upstream repository, not versions a package has
        if (range.type === 'GIT') continue;
        for (const e of range.events ?? []) {
          const v = (e as { fixed?: string }).fixed;
          if (v && a.package && !fixed.some((f) => f.ecosystem === a.package!.ecosystem && f.name === a.package!.name && f.version === v)) fixed.push({ ecosystem: a.package.ecosystem, name: a.package.name, version: v });
        }
      }
    }
    return { id: r.id, source: r.source, summary: rec?.summary ?? null, published: r.published, modified: r.modified, withdrawn: r.withdrawn, fixed, references: (rec?.references ?? []).map((x) => x.url) };
  });
  const kev = m.kev[0] ?? null;
  const epss = m.epss[0] ?? null;
  return {
    id: m.id, aliases: m.aliases, related: m.related, summary: m.summary, details: m.details, withdrawn: m.withdrawn, published: m.published, modified: m.modified,
    severity: severityOf(m), score: m.cvss?.score ?? null,
    cvss: m.severity.map((s) => ({ source: s.from, type: s.type, vector: s.vector, score: s.score, severity: s.rating })),
    cwes: m.cwes, advisories, references: m.references,
    kev: kev && { ...kev, cve: kev.cve, dateAdded: kev.dateAdded },
    epss: epss && { cve: epss.cve, score: epss.score, percentile: epss.percentile },
    affectedResources: await affectedResourceCount(store, m, accountIds),
  };
}
