/**
 * Reading the vulnerability database: status, one merged vulnerability, search, and the lookup by
 * (ecosystem, package) that matching uses.
 */
import { sql } from 'kysely';
import { cvssScore, severityFromScore, type CvssSeverity } from '../model/cvss.ts';
import { ecosystemBase, normalizePackageName, type CveEnrichment, type OsvRecord } from '../model/index.ts';
import { redactUrl, type Store } from '../store/index.ts';

export interface DbStatus {
  database: { dialect: string; url: string };
  lastUpdate: { runId: number; startedAt: string; finishedAt: string | null; inputs: string[]; stats: Record<string, number> | null } | null;
  /** newest `modified` over all records, and its age in days at the time of the call */
  dataAge: { newest: string | null; days: number | null };
  records: { total: number; withdrawn: number };
  sources: { key: string; format: string; location: string; kind: string; lastImportedAt: string; dataDate: string | null; records: number; invalid: number }[];
  /** distinct records naming a package of each ecosystem (a record naming two ecosystems counts in both) */
  ecosystems: Record<string, number>;
  enrichment: { cves: number; kev: number; cvss: number; epss: number };
  /** entries the last import skipped, with the rule each broke */
  invalid: { source: string; input: string; rule: string; message: string }[];
}

export async function dbStatus(store: Store, now = new Date()): Promise<DbStatus> {
  const { db } = store;
  const last = await db.selectFrom('import_runs').selectAll().where('status', '=', 'done').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const totals = await db.selectFrom('vuln_records')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('withdrawn').as('withdrawn'), eb.fn.max('modified').as('newest')])
    .executeTakeFirstOrThrow();
  const sources = await db.selectFrom('sources').selectAll().orderBy('key').execute();
  const eco = await db.selectFrom('vuln_affected')
    .select(['ecosystem', sql<number>`count(distinct record_id)`.as('n')])
    .groupBy('ecosystem').orderBy('ecosystem').execute();
  const enr = await db.selectFrom('cve_enrichment')
    .select((eb) => [
      eb.fn.countAll<number>().as('cves'),
      eb.fn.sum<number>('kev').as('kev'),
      eb.fn.count<number>('cvss_score').as('cvss'),
      eb.fn.count<number>('epss').as('epss'),
    ]).executeTakeFirstOrThrow();
  const invalid = last
    ? await db.selectFrom('import_errors').select(['source', 'input', 'rule', 'message']).where('run_id', '=', last.id).orderBy('input').execute()
    : [];
  const newest = (totals.newest as string | null) ?? null;
  return {
    database: { dialect: store.dialect, url: redactUrl(store.url) },
    lastUpdate: last ? { runId: Number(last.id), startedAt: last.started_at, finishedAt: last.finished_at, inputs: JSON.parse(last.inputs), stats: last.stats ? JSON.parse(last.stats) : null } : null,
    dataAge: { newest, days: newest ? Math.floor((now.getTime() - Date.parse(newest)) / 86_400_000) : null },
    records: { total: Number(totals.total), withdrawn: Number(totals.withdrawn) },
    sources: sources.map((s) => ({ key: s.key, format: s.format, location: s.location, kind: s.kind, lastImportedAt: s.last_imported_at, dataDate: s.data_date, records: Number(s.record_count), invalid: Number(s.invalid_count) })),
    ecosystems: Object.fromEntries(eco.map((e) => [e.ecosystem, Number(e.n)])),
    enrichment: { cves: Number(enr.cves), kev: Number(enr.kev ?? 0), cvss: Number(enr.cvss), epss: Number(enr.epss) },
    invalid,
  };
}

export interface SeverityView {
  /** the record (or "enrichment:<source>") the vector came from */
  from: string;
  type: string;
  vector: string;
  score: number | null;
  rating: CvssSeverity | null;
}

export interface MergedVulnerability {
  id: string;
  aliases: string[];
  /** ids linked through upstream/related (a DSA's CVEs, the DSAs and errata fixing this CVE) */
  related: string[];
  summary: string | null;
  details: string | null;
  withdrawn: boolean;
  published: string | null;
  modified: string | null;
  severity: SeverityView[];
  /** the highest-scoring vector, the one a finding's severity starts from */
  cvss: SeverityView | null;
  kev: (CveEnrichment['kev'] & { cve: string })[];
  cwes: string[];
  epss: { cve: string; score: number; percentile: number }[];
  records: { id: string; source: string; modified: string; published: string | null; withdrawn: string | null }[];
  affected: { record: string; ecosystem: string; name: string; ranges: OsvRecord['affected'] extends (infer A)[] | undefined ? A extends { ranges?: infer R } ? R : never : never; versions: string[]; status?: unknown }[];
  references: { type: string; url: string }[];
}

const ID_LIKE = /^[A-Za-z][A-Za-z0-9]*-[\w.:-]+$/;

/** Finds the group an id or alias belongs to (exact, then case-insensitive for CVE/GHSA spellings). */
async function resolveGroup(store: Store, q: string): Promise<string | null> {
  const { db } = store;
  for (const cand of new Set([q, q.toUpperCase(), q.replace(/^ghsa-/i, 'GHSA-')])) {
    const g = await db.selectFrom('vuln_groups').select('group_id').where('member', '=', cand).executeTakeFirst();
    if (g) return g.group_id;
  }
  // an id only ever named in upstream/related (a CVE with no record of its own but a DSA fixing it)
  for (const cand of new Set([q, q.toUpperCase()])) {
    const linked = await db.selectFrom('vuln_aliases').select('alias').where('alias', '=', cand).limit(1).executeTakeFirst();
    if (linked) return cand;
  }
  return null;
}

/** The merged vulnerability for an id or any of its aliases, or null. */
export async function showVulnerability(store: Store, q: string): Promise<MergedVulnerability | null> {
  const { db } = store;
  const gid = await resolveGroup(store, q.trim());
  if (!gid) return null;
  const memberRows = await db.selectFrom('vuln_groups').select('member').where('group_id', '=', gid).execute();
  const members = new Set(memberRows.map((m) => m.member));
  members.add(gid);
  const rows = await db.selectFrom('vuln_records').selectAll().where('id', 'in', [...members]).orderBy('id').execute();
  const records = rows.map((r) => JSON.parse(r.json) as OsvRecord);

  // links: records that name a member in upstream/related, and what the members name there
  const related = new Set<string>();
  for (const l of await db.selectFrom('vuln_aliases').select('record_id').where('alias', 'in', [...members]).where('kind', '!=', 'alias').execute()) related.add(l.record_id);
  for (const r of records) for (const x of [...(r.upstream ?? []), ...(r.related ?? [])]) related.add(x);
  for (const m of members) related.delete(m);

  // enrichment belongs to CVEs: the group's own, or (for a DSA/ALSA shown by its id) the CVEs it fixes
  let cves = [...members].filter((m) => m.startsWith('CVE-'));
  if (cves.length === 0) cves = [...related].filter((m) => m.startsWith('CVE-'));
  const enrichment = cves.length
    ? (await db.selectFrom('cve_enrichment').select(['cve', 'data']).where('cve', 'in', cves).execute()).map((e) => JSON.parse(e.data) as CveEnrichment)
    : [];

  const severity: SeverityView[] = [];
  const addVector = (from: string, type: string, vector: string, knownScore?: number) => {
    let score: number | null = knownScore ?? null;
    let rating: CvssSeverity | null = knownScore !== undefined ? severityFromScore(knownScore) : null;
    if (type.startsWith('CVSS')) {
      try {
        const s = cvssScore(vector);
        score = s.baseScore;
        rating = s.severity;
      } catch {
        // an unparseable vector is still shown, unscored
      }
    }
    if (!severity.some((s) => s.vector === vector && s.from === from)) severity.push({ from, type, vector, score, rating });
  };
  for (const r of records) {
    for (const s of r.severity ?? []) addVector(r.id, s.type, s.score);
    for (const a of r.affected ?? []) for (const s of a.severity ?? []) addVector(r.id, s.type, s.score);
  }
  for (const e of enrichment) {
    if (e.cvss3Vector) addVector(`${e.cve} (${e.cvss3Source ?? 'enrichment'})`, e.cvss3Vector.startsWith('CVSS:3') ? 'CVSS_V3' : 'CVSS', e.cvss3Vector, e.cvss3Score);
    if (e.cvss4Vector) addVector(`${e.cve} (${e.cvss4Source ?? 'enrichment'})`, 'CVSS_V4', e.cvss4Vector, e.cvss4Score);
  }
  const best = severity.filter((s) => s.score !== null).sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0] ?? null;

  const affected: MergedVulnerability['affected'] = [];
  for (const r of records) {
    for (const a of r.affected ?? []) {
      if (!a.package) continue;
      affected.push({ record: r.id, ecosystem: a.package.ecosystem, name: a.package.name, ranges: a.ranges ?? [], versions: a.versions ?? [], ...(a.database_specific?.status ? { status: a.database_specific.status } : {}) });
    }
  }
  const refs = new Map<string, { type: string; url: string }>();
  for (const r of records) for (const ref of r.references ?? []) if (!refs.has(ref.url)) refs.set(ref.url, ref);
  const primary = records.find((r) => r.id === gid) ?? records.find((r) => r.summary) ?? records[0];
  const pick = <T>(f: (r: OsvRecord) => T | undefined) => { for (const r of [primary, ...records]) { const v = r && f(r); if (v) return v; } return null; };
  const dates = (k: 'published' | 'modified', agg: 'min' | 'max') => {
    const vals = records.map((r) => r[k]).filter((v): v is string => !!v).sort();
    return vals.length ? (agg === 'min' ? vals[0] : vals[vals.length - 1]) : null;
  };
  const description = enrichment.find((e) => e.description)?.description ?? null;
  return {
    id: gid,
    aliases: [...members].filter((m) => m !== gid).sort(),
    related: [...related].sort(),
    summary: pick((r) => r.summary) ?? description,
    details: pick((r) => r.details) ?? description,
    withdrawn: records.length > 0 && records.every((r) => !!r.withdrawn),
    published: dates('published', 'min'),
    modified: dates('modified', 'max'),
    severity,
    cvss: best,
    kev: enrichment.filter((e) => e.kev).map((e) => ({ cve: e.cve, ...e.kev! })),
    cwes: [...new Set(enrichment.flatMap((e) => e.cwes ?? []).concat(records.flatMap((r) => ((r.database_specific?.cwe_ids as string[] | undefined) ?? []))))].sort(),
    epss: enrichment.filter((e) => e.epss).map((e) => ({ cve: e.cve, score: e.epss!.score, percentile: e.epss!.percentile })),
    records: rows.map((r) => ({ id: r.id, source: r.source, modified: r.modified, published: r.published, withdrawn: r.withdrawn })),
    affected,
    references: [...refs.values()],
  };
}

export interface SearchHit {
  id: string;
  group: string;
  summary: string | null;
  modified: string;
  withdrawn: boolean;
  packages: string[];
  /** why it matched: id, alias, package, text */
  matchedBy: string;
}

/**
 * Searches by id or alias, by package ("lodash", "npm:lodash", "Debian:11:openssl"), and by text in
 * summaries. Returns at most `limit` hits, ids first, then packages, then text.
 */
export async function searchVulnerabilities(store: Store, q: string, limit = 50): Promise<SearchHit[]> {
  const { db } = store;
  const query = q.trim();
  const hits = new Map<string, SearchHit>();
  const add = async (ids: string[], matchedBy: string) => {
    const fresh = ids.filter((id) => !hits.has(id)).slice(0, limit - hits.size);
    if (fresh.length === 0) return;
    const rows = await db.selectFrom('vuln_records').leftJoin('vuln_groups', 'vuln_groups.member', 'vuln_records.id')
      .select(['vuln_records.id', 'vuln_records.summary', 'vuln_records.modified', 'vuln_records.withdrawn', 'vuln_groups.group_id'])
      .where('vuln_records.id', 'in', fresh).execute();
    const pk = await db.selectFrom('vuln_affected').select(['record_id', 'ecosystem', 'name']).where('record_id', 'in', fresh).execute();
    for (const r of rows.sort((a, b) => b.modified.localeCompare(a.modified))) {
      hits.set(r.id, {
        id: r.id, group: r.group_id ?? r.id, summary: r.summary, modified: r.modified, withdrawn: !!r.withdrawn,
        packages: [...new Set(pk.filter((p) => p.record_id === r.id).map((p) => `${p.ecosystem}/${p.name}`))].slice(0, 10),
        matchedBy,
      });
    }
  };
  if (ID_LIKE.test(query)) {
    const gid = await resolveGroup(store, query);
    if (gid) {
      const members = (await db.selectFrom('vuln_groups').select('member').where('group_id', '=', gid).execute()).map((m) => m.member);
      await add(members.length ? members : [gid], 'id');
      const linked = await db.selectFrom('vuln_aliases').select('record_id').where('alias', 'in', [gid, ...members]).limit(limit).execute();
      await add(linked.map((l) => l.record_id), 'alias');
    }
  }
  // package: "eco:name" (the ecosystem may itself carry a release: "Debian:11:openssl") or a bare name
  const m = /^(.+):([^:]+)$/.exec(query);
  const pkgQueries: { ecosystem?: string; name: string }[] = m ? [{ ecosystem: m[1], name: m[2] }] : [];
  pkgQueries.push({ name: query });
  for (const pq of pkgQueries) {
    let b = db.selectFrom('vuln_affected').select('record_id').distinct();
    if (pq.ecosystem) {
      const eco = pq.ecosystem;
      b = b.where((eb) => eb.or([eb('ecosystem', '=', eco), eb('ecosystem_base', '=', eco)])).where('name', '=', normalizePackageName(eco, pq.name));
    } else {
      b = b.where('name', 'in', [...new Set([pq.name, pq.name.toLowerCase(), normalizePackageName('PyPI', pq.name)])]);
    }
    const ids = (await b.limit(limit * 4).execute()).map((r) => r.record_id);
    await add(ids, 'package');
  }
  if (hits.size < limit && query.length >= 3 && !m) {
    // a part of a package name ("airflow" finds apache-airflow)
    const part = `%${query.toLowerCase().replace(/[%_\\]/g, (c) => '\\' + c)}%`;
    const rows = await db.selectFrom('vuln_affected').select('record_id').distinct()
      .where(sql<boolean>`lower(name) like ${part} escape '\\'`).limit(limit * 4).execute();
    await add(rows.map((r) => r.record_id), 'package-name');
  }
  if (hits.size < limit && query.length >= 3) {
    const like = `%${query.replace(/[%_\\]/g, (c) => '\\' + c)}%`;
    const op = store.dialect === 'postgres' ? sql`ilike` : sql`like`;
    const rows = await db.selectFrom('vuln_records').select('id')
      .where(sql<boolean>`summary ${op} ${like} escape '\\'`)
      .orderBy('modified', 'desc').limit(limit - hits.size).execute();
    await add(rows.map((r) => r.id), 'text');
  }
  return [...hits.values()].slice(0, limit);
}

/**
 * The records naming a package, the hot lookup of matching. Each row's `json` is the record cut
 * down to that package's affected entries (see `slimRecord`), parsed by the caller when needed.
 * Prepared once per store: a lookup is one indexed read of small rows.
 */
export function packageLookup(store: Store): (ecosystem: string, name: string) => Promise<{ id: string; json: string }[]> {
  const text = 'select record_id as id, slim as json from vuln_affected where ecosystem = $1 and name = $2';
  if (store.raw.sqlite) {
    const stmt = store.raw.sqlite.prepare<[string, string], { id: string; json: string }>(text.replace('$1', '?').replace('$2', '?'));
    return async (ecosystem, name) => stmt.all(ecosystem, normalizePackageName(ecosystem, name));
  }
  if (store.raw.pool) {
    const pool = store.raw.pool;
    return async (ecosystem, name) => (await pool.query<{ id: string; json: string }>({ name: 'vigil_package_lookup', text, values: [ecosystem, normalizePackageName(ecosystem, name)] })).rows;
  }
  const { db } = store;
  return async (ecosystem, name) => db.selectFrom('vuln_affected').select(['record_id as id', 'slim as json'])
    .where('ecosystem', '=', ecosystem).where('name', '=', normalizePackageName(ecosystem, name)).execute();
}

export { ecosystemBase };
