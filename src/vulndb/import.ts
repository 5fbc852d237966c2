/**
 * Importing advisory data: walks the inputs (directories, zips, files), offers every entry to the
 * formats, and writes records and enrichment into the store in ONE transaction, so that a failed or
 * killed import leaves the previous database as it was. Unchanged records (same content hash) are
 * not rewritten, which makes re-importing the same data a no-op. Every import produces a change
 * set: the added, modified and withdrawn ids and the (ecosystem, package) pairs they touch.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { ecosystemBase, normalizePackageName, VigilError, type CveEnrichment, type OsvRecord } from '../model/index.ts';
import type { Database, Store } from '../store/index.ts';
import { DEFAULT_LIMITS, listTree, readPlainFile, readZip, type Limits } from './containers.ts';
import { defaultFormats, groupsByDirectory, type AdvisoryFormat, type FormatError } from './formats/index.ts';
import { describeIssues, osvRecordSchema } from './formats/osv/schema.ts';
import { recomputeGroups } from './groups.ts';

export interface ImportProgress {
  /** called when a unit (a zip or a file) starts and as entries are read */
  (p: { unit: string; unitIndex: number; unitCount: number; entries: number; records: number }): void;
}

export interface ImportOptions {
  store: Store;
  log: Logger;
  formats?: readonly AdvisoryFormat[];
  limits?: Limits;
  progress?: ImportProgress;
  now?: () => Date;
  /** source metadata to keep (ETag, Last-Modified of a download), keyed by unit path */
  sourceMeta?: Map<string, { etag?: string; lastModified?: string; meta?: unknown }>;
  /**
   * Sources this import only adds to (db update's incremental download: the changed records of an
   * export staged as `<eco>/all.zip/<ID>.json`): their counts are recounted, not replaced.
   */
  incrementalSources?: Map<string, string>;
}

export interface SourceReport {
  key: string;
  format: string;
  location: string;
  kind: 'advisories' | 'enrichment';
  records: number;
  invalid: number;
  dataDate: string | null;
}

export interface ImportError extends FormatError {
  source: string;
}

export interface ImportReport {
  runId: number;
  changeSetId: number;
  added: number;
  modified: number;
  withdrawn: number;
  unchanged: number;
  enriched: number;
  packages: number;
  sources: SourceReport[];
  errors: ImportError[];
  durationMs: number;
}

interface Unit {
  kind: 'zip' | 'file';
  path: string;
  /** path relative to the input root ("Go/all.zip", "debian/DSA-list.txt") */
  rel: string;
}

const BATCH = 500;
const HEAD_BYTES = 4096;

/** Expands inputs into units: every zip and every plain file under a directory, sorted. */
export async function expandInputs(inputs: string[]): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const input of inputs) {
    const abs = resolve(input);
    let st;
    try {
      st = await stat(abs);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR';
      throw new VigilError(missing ? 'VIGIL_NOT_FOUND' : 'VIGIL_INVALID_INPUT', `${input}: ${missing ? 'no such file or directory' : `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`}`, { input, rule: 'input-exists', cause: err });
    }
    // A file directly in what was named keeps its directory's name ("Go/all.zip", "debian/DSA-list.txt"),
    // so importing vulndata/, vulndata/Go/ or vulndata/Go/all.zip names the same source.
    const named = (rel: string, path: string) => (rel.includes('/') ? rel : `${basename(dirname(path))}/${rel}`);
    if (st.isDirectory()) {
      for (const rel of await listTree(abs)) units.push({ kind: /\.zip$/i.test(rel) ? 'zip' : 'file', path: join(abs, rel), rel: named(rel, join(abs, rel)) });
    } else {
      units.push({ kind: /\.zip$/i.test(abs) ? 'zip' : 'file', path: abs, rel: named(basename(abs), abs) });
    }
  }
  return units;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Source location of an entry: the zip, or the directory (many-file formats) or file (single-file formats). */
function locationOf(unit: Unit, entryPath: string, format: AdvisoryFormat): string {
  if (unit.kind === 'zip') return unit.rel;
  if (format.mergeById) {
    // one record gathers entries from many files ("alpine/v3.10/main.yaml", "alpine/v3.11/…"): the
    // source is the top directory they share
    const top = unit.rel.split('/')[0];
    return unit.rel.includes('/') ? top + '/' : './';
  }
  if (groupsByDirectory(format)) {
    const d = dirname(unit.rel);
    // records staged from an export ("Go/all.zip/GO-1.json") belong to that export's source
    return d === '.' ? './' : /\.zip$/i.test(d) ? d : d + '/';
  }
  return unit.rel.replace(/\.gz$/i, '') || entryPath;
}

/** Runs an import of the given inputs. Never partially applied: on any thrown error nothing is written. */
export async function importInputs(inputs: string[], opts: ImportOptions): Promise<ImportReport> {
  const started = Date.now();
  const now = (opts.now ?? (() => new Date()))().toISOString();
  const formats = opts.formats ?? defaultFormats;
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const units = await expandInputs(inputs);
  const { log, store } = opts;

  return store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(7419001)`.execute(trx);
    const run = await trx.insertInto('import_runs')
      .values({ started_at: now, status: 'running', inputs: JSON.stringify(inputs) })
      .returning('id').executeTakeFirstOrThrow();
    const runId = Number(run.id);
    const w = new Writer(trx, now, log);
    const sources = new Map<string, SourceReport>();
    const errors: ImportError[] = [];
    const merged = new Map<string, { record: OsvRecord; source: string; format: string }>();

    const sourceFor = (unit: Unit, entryPath: string, format: AdvisoryFormat): SourceReport => {
      const location = locationOf(unit, entryPath, format);
      const key = `${format.name}:${location}`;
      let s = sources.get(key);
      if (!s) sources.set(key, (s = { key, format: format.name, location, kind: format.kind, records: 0, invalid: 0, dataDate: null }));
      return s;
    };

    for (const [unitIndex, unit] of units.entries()) {
      let entries = 0;
      const report = () => opts.progress?.({ unit: unit.rel, unitIndex, unitCount: units.length, entries, records: w.seen });
      report();
      const onProblem = (p: { input: string; rule: string; message: string }) => {
        errors.push({ source: unit.rel, ...p });
        log.debug({ input: p.input, rule: p.rule }, p.message);
      };
      try {
        const iter = unit.kind === 'zip' ? readZip(unit.path, onProblem, limits, unit.rel) : oneFile(unit, limits);
        for await (const entry of iter) {
          entries++;
          const head = entry.data.subarray(0, HEAD_BYTES).toString('utf8');
          const format = formats.find((f) => f.detect(entry.path, head));
          if (!format) {
            // a zip is an advisory container: an entry nobody reads is worth a line; loose files in a
            // tree (READMEs, schemas) are not
            if (unit.kind === 'zip') onProblem({ input: `${unit.rel}!${entry.path}`, rule: 'unknown-format', message: 'no advisory format recognises this entry; skipped' });
            else log.debug({ input: unit.rel }, 'no advisory format recognises this file; skipped');
            continue;
          }
          const src = sourceFor(unit, entry.path, format);
          const label = unit.kind === 'zip' ? `${unit.rel}!${entry.path}` : unit.rel;
          const validated = format.name === 'osv';
          format.parse({ path: entry.path, data: entry.data }, {
            record: (r) => {
              if (!validated) {
                const res = osvRecordSchema.safeParse(r);
                if (!res.success) {
                  src.invalid++;
                  errors.push({ source: src.key, input: `${label} (${r.id})`, rule: 'osv-schema', message: `converted record is not valid OSV: ${describeIssues(res.error)}` });
                  return;
                }
              }
              src.records++;
              if (!src.dataDate || r.modified > src.dataDate) src.dataDate = r.modified;
              if (format.mergeById) {
                const prev = merged.get(r.id);
                if (prev) prev.record.affected = [...(prev.record.affected ?? []), ...(r.affected ?? [])];
                else merged.set(r.id, { record: r, source: src.key, format: format.name });
              } else {
                w.addRecord(r, src.key, format.name);
              }
            },
            enrich: (e) => {
              src.records++;
              w.addEnrichment(e);
            },
            error: (e) => {
              src.invalid++;
              const input = e.input.startsWith(label) ? e.input : e.input.startsWith(entry.path) ? label + e.input.slice(entry.path.length) : `${label} (${e.input})`;
              errors.push({ source: src.key, ...e, input });
            },
          });
          if (w.pending >= BATCH) await w.flush();
          if (entries % 250 === 0) report();
        }
      } catch (err) {
        // one unreadable container (truncated zip, bad gzip, oversized file) is an error of that
        // container; the rest of the import goes on
        if (!(err instanceof VigilError)) throw err;
        onProblem({ input: unit.rel, rule: err.rule ?? 'unreadable', message: err.message.replace(unit.path, unit.rel) });
      }
      report();
    }
    for (const { record, source, format } of merged.values()) {
      // merged records count once per id for their source
      w.addRecord(record, source, format);
      if (w.pending >= BATCH) await w.flush();
    }
    for (const s of sources.values()) {
      if (s.kind === 'advisories' && [...merged.values()].some((m) => m.source === s.key)) {
        s.records = [...merged.values()].filter((m) => m.source === s.key).length;
      }
    }
    await w.flush();

    const moves = await recomputeGroups(trx, w.touchedIds);
    log.debug({ groupChanges: moves.length }, 'alias groups updated');

    for (const s of sources.values()) {
      if (opts.incrementalSources?.has(s.key)) {
        const prev = await trx.selectFrom('sources').select(['data_date']).where('key', '=', s.key).executeTakeFirst();
        const n = await trx.selectFrom('vuln_records').select((eb) => eb.fn.countAll<number>().as('n')).where('source', '=', s.key).executeTakeFirstOrThrow();
        s.records = Number(n.n);
        if (prev?.data_date && (!s.dataDate || prev.data_date > s.dataDate)) s.dataDate = prev.data_date;
      }
      const meta = opts.sourceMeta?.get(s.location);
      await trx.insertInto('sources').values({
        key: s.key, format: s.format, location: s.location, kind: s.kind, last_imported_at: now,
        data_date: s.dataDate, record_count: s.records, invalid_count: s.invalid,
        etag: meta?.etag ?? null, last_modified: meta?.lastModified ?? null, meta: meta?.meta ? JSON.stringify(meta.meta) : null,
      }).onConflict((oc) => oc.column('key').doUpdateSet({
        format: s.format, location: s.location, kind: s.kind, last_imported_at: now, data_date: s.dataDate,
        record_count: s.records, invalid_count: s.invalid,
        // an import that did not download (a local path, an incremental fetch) keeps the validators
        // of the last download
        ...(meta ? { etag: meta.etag ?? null, last_modified: meta.lastModified ?? null, meta: meta.meta ? JSON.stringify(meta.meta) : null } : {}),
      })).execute();
    }

    for (let i = 0; i < errors.length; i += 200) {
      await trx.insertInto('import_errors').values(errors.slice(i, i + 200).map((e) => ({ run_id: runId, source: e.source, input: e.input, rule: e.rule, message: e.message }))).execute();
    }

    const cs = w.changes;
    await trx.insertInto('change_sets').values({ id: runId, created_at: now, added: cs.added.length, modified: cs.modified.length, withdrawn: cs.withdrawn.length, enriched: w.enriched }).execute();
    const csRecords = [
      ...cs.added.map((id) => ({ change_set_id: runId, record_id: id, change: 'added' })),
      ...cs.modified.map((id) => ({ change_set_id: runId, record_id: id, change: 'modified' })),
      ...cs.withdrawn.map((id) => ({ change_set_id: runId, record_id: id, change: 'withdrawn' })),
    ];
    for (let i = 0; i < csRecords.length; i += 1000) await trx.insertInto('change_set_records').values(csRecords.slice(i, i + 1000)).execute();
    // the alias groups (vulnerability ids of findings) the change touches: the groups of the changed
    // records, and both the old and the new group of every member whose group changed. A rematch
    // rebuilds the findings of exactly these (findings/rematch.ts).
    const groups = new Set<string>();
    for (const m of moves) {
      if (m.from) groups.add(m.from);
      if (m.to) groups.add(m.to);
      // (distro CVE split) an id in no group keys its findings itself: a CVE only DSAs listed, now
      // joined to a group (or leaving one), moves its findings from (to) that bare id
      if (!m.from || !m.to) groups.add(m.member);
    }
    const touched = [...w.touchedIds];
    for (let i = 0; i < touched.length; i += 1000) {
      for (const g of await trx.selectFrom('vuln_groups').select('group_id').where('member', 'in', touched.slice(i, i + 1000)).execute()) groups.add(g.group_id);
    }
    // (distro CVE split) and the groups of the vulnerabilities the changed records fix (a bare CVE
    // id that is in no group keys its findings itself)
    const links = [...w.touchedLinks];
    for (let i = 0; i < links.length; i += 1000) {
      const chunk = links.slice(i, i + 1000);
      const grouped = new Map((await trx.selectFrom('vuln_groups').select(['member', 'group_id']).where('member', 'in', chunk).execute()).map((g) => [g.member, g.group_id]));
      for (const l of chunk) groups.add(grouped.get(l) ?? l);
    }
    const groupRows = [...groups].sort().map((group_id) => ({ change_set_id: runId, group_id }));
    for (let i = 0; i < groupRows.length; i += 1000) await trx.insertInto('change_set_groups').values(groupRows.slice(i, i + 1000)).execute();
    const pkgs = [...w.touchedPackages].sort().map((k) => {
      const [ecosystem, name] = k.split('\0');
      return { change_set_id: runId, ecosystem, name };
    });
    for (let i = 0; i < pkgs.length; i += 1000) await trx.insertInto('change_set_packages').values(pkgs.slice(i, i + 1000)).execute();

    const result: ImportReport = {
      runId, changeSetId: runId,
      added: cs.added.length, modified: cs.modified.length, withdrawn: cs.withdrawn.length,
      unchanged: w.unchanged, enriched: w.enriched, packages: pkgs.length,
      sources: [...sources.values()].sort((a, b) => a.key.localeCompare(b.key)),
      errors, durationMs: Date.now() - started,
    };
    await trx.updateTable('import_runs').set({
      status: 'done', finished_at: new Date().toISOString(),
      stats: JSON.stringify({ added: result.added, modified: result.modified, withdrawn: result.withdrawn, unchanged: result.unchanged, enriched: result.enriched, packages: result.packages, errors: errors.length }),
    }).where('id', '=', runId).execute();
    return result;
  });
}

async function* oneFile(unit: Unit, limits: Limits) {
  const data = await readPlainFile(unit.path, limits);
  yield { path: unit.rel.replace(/\.gz$/i, ''), data };
}

/** The (ecosystem, normalized name) pairs a record names. */
export function packagesOf(r: OsvRecord): { ecosystem: string; name: string }[] {
  const seen = new Map<string, { ecosystem: string; name: string }>();
  for (const a of r.affected ?? []) {
    if (!a.package) continue;
    const name = normalizePackageName(a.package.ecosystem, a.package.name);
    seen.set(`${a.package.ecosystem}\0${name}`, { ecosystem: a.package.ecosystem, name });
  }
  return [...seen.values()];
}

/**
 * The record as matching needs it for one package: identity, dates, aliases, severity, and only
 * that package's affected entries (an AlmaLinux erratum names hundreds of packages).
 */
export function slimRecord(r: OsvRecord, ecosystem: string, name: string): string {
  const slim: OsvRecord = { id: r.id, modified: r.modified };
  if (r.published) slim.published = r.published;
  if (r.withdrawn) slim.withdrawn = r.withdrawn;
  if (r.aliases?.length) slim.aliases = r.aliases;
  if (r.upstream?.length) slim.upstream = r.upstream;
  if (r.summary) slim.summary = r.summary;
  if (r.severity?.length) slim.severity = r.severity;
  slim.affected = (r.affected ?? []).filter((a) => a.package && a.package.ecosystem === ecosystem && normalizePackageName(ecosystem, a.package.name) === name);
  return JSON.stringify(slim);
}

/** Batches record and enrichment writes, skipping unchanged ones and tracking the change set. */
class Writer {
  private records = new Map<string, { r: OsvRecord; source: string; format: string }>();
  private enrichments = new Map<string, CveEnrichment>();
  readonly changes = { added: [] as string[], modified: [] as string[], withdrawn: [] as string[] };
  readonly touchedPackages = new Set<string>();
  readonly touchedIds = new Set<string>();
  /**
   * (distro CVE split) the `upstream` and `related` ids of the changed records, before and after the
   * change: a DSA's findings are keyed by the CVEs it fixes (vulnerabilities.ts), so their groups
   * are touched too. A superset of those vulnerabilities (any `related`): a wider change set only
   * rebuilds more findings, each from all its advisories.
   */
  readonly touchedLinks = new Set<string>();
  unchanged = 0;
  enriched = 0;
  seen = 0;

  constructor(private trx: Transaction<Database>, private now: string, private log: Logger) {}

  get pending() {
    return this.records.size + this.enrichments.size;
  }

  addRecord(r: OsvRecord, source: string, format: string) {
    this.seen++;
    this.records.set(r.id, { r, source, format });
  }

  addEnrichment(e: CveEnrichment) {
    const prev = this.enrichments.get(e.cve);
    this.enrichments.set(e.cve, prev ? mergeEnrichment(prev, e) : e);
  }

  async flush() {
    await this.flushRecords();
    await this.flushEnrichments();
  }

  private async flushRecords() {
    if (this.records.size === 0) return;
    const all = [...this.records.values()];
    this.records.clear();
    // one parse can emit thousands (a whole DSA list): keep each statement's parameters bounded
    for (let i = 0; i < all.length; i += BATCH) await this.writeRecords(all.slice(i, i + BATCH));
  }

  private async writeRecords(batch: { r: OsvRecord; source: string; format: string }[]) {
    const trx = this.trx;
    const ids = batch.map((b) => b.r.id);
    const existing = new Map<string, { hash: string; withdrawn: string | null }>();
    for (const row of await trx.selectFrom('vuln_records').select(['id', 'hash', 'withdrawn']).where('id', 'in', ids).execute()) existing.set(row.id, row);

    const rows: Database['vuln_records'][] = [];
    const changedExisting: string[] = [];
    for (const { r, source, format } of batch) {
      const json = JSON.stringify(r);
      const hash = sha256(json);
      const old = existing.get(r.id);
      if (old && old.hash === hash) {
        this.unchanged++;
        continue;
      }
      if (!old) this.changes.added.push(r.id);
      else if (r.withdrawn && !old.withdrawn) this.changes.withdrawn.push(r.id);
      else this.changes.modified.push(r.id);
      if (old) changedExisting.push(r.id);
      this.touchedIds.add(r.id);
      for (const p of packagesOf(r)) this.touchedPackages.add(`${p.ecosystem}\0${p.name}`);
      rows.push({
        id: r.id, source, format, modified: r.modified, published: r.published ?? null, withdrawn: r.withdrawn ?? null,
        summary: r.summary ?? (r.details ? r.details.slice(0, 200) : null), hash, json, imported_at: this.now,
      });
    }
    if (rows.length === 0) return;
    if (changedExisting.length) {
      // a modified record may have dropped a package: its old pairs need a rematch too
      for (const row of await trx.selectFrom('vuln_affected').select(['ecosystem', 'name']).where('record_id', 'in', changedExisting).execute()) {
        this.touchedPackages.add(`${row.ecosystem}\0${row.name}`);
      }
      await trx.deleteFrom('vuln_affected').where('record_id', 'in', changedExisting).execute();
      for (const row of await trx.selectFrom('vuln_aliases').select('alias').where('record_id', 'in', changedExisting).where('kind', 'in', ['upstream', 'related']).execute()) this.touchedLinks.add(row.alias);
      await trx.deleteFrom('vuln_aliases').where('record_id', 'in', changedExisting).execute();
    }
    for (let i = 0; i < rows.length; i += 200) {
      await trx.insertInto('vuln_records').values(rows.slice(i, i + 200)).onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
        source: eb.ref('excluded.source'), format: eb.ref('excluded.format'), modified: eb.ref('excluded.modified'),
        published: eb.ref('excluded.published'), withdrawn: eb.ref('excluded.withdrawn'), summary: eb.ref('excluded.summary'),
        hash: eb.ref('excluded.hash'), json: eb.ref('excluded.json'), imported_at: eb.ref('excluded.imported_at'),
      }))).execute();
    }
    const affected: Database['vuln_affected'][] = [];
    const aliases: Database['vuln_aliases'][] = [];
    const changedIds = new Set(rows.map((r) => r.id));
    for (const { r } of batch) {
      if (!changedIds.has(r.id)) continue;
      for (const p of packagesOf(r)) affected.push({ record_id: r.id, ecosystem: p.ecosystem, ecosystem_base: ecosystemBase(p.ecosystem), name: p.name, slim: slimRecord(r, p.ecosystem, p.name) });
      const seen = new Set<string>();
      for (const [kind, list] of [['alias', r.aliases], ['upstream', r.upstream], ['related', r.related]] as const) {
        for (const a of list ?? []) {
          if (typeof a !== 'string' || a === r.id || seen.has(a)) continue;
          seen.add(a);
          aliases.push({ record_id: r.id, alias: a, kind });
          if (kind !== 'alias') this.touchedLinks.add(a);
        }
      }
    }
    for (let i = 0; i < affected.length; i += 500) await trx.insertInto('vuln_affected').values(affected.slice(i, i + 500)).execute();
    for (let i = 0; i < aliases.length; i += 1000) await trx.insertInto('vuln_aliases').values(aliases.slice(i, i + 1000)).execute();
  }

  private async flushEnrichments() {
    if (this.enrichments.size === 0) return;
    const all = [...this.enrichments.values()];
    this.enrichments.clear();
    for (let i = 0; i < all.length; i += BATCH) await this.writeEnrichments(all.slice(i, i + BATCH));
  }

  private async writeEnrichments(batch: CveEnrichment[]) {
    const trx = this.trx;
    const existing = new Map<string, { data: string; hash: string }>();
    for (const row of await trx.selectFrom('cve_enrichment').select(['cve', 'data', 'hash']).where('cve', 'in', batch.map((b) => b.cve)).execute()) existing.set(row.cve, row);
    const rows: Database['cve_enrichment'][] = [];
    for (const e of batch) {
      const old = existing.get(e.cve);
      const merged = old ? mergeEnrichment(JSON.parse(old.data) as CveEnrichment, e) : e;
      const data = JSON.stringify(sortKeys(merged));
      const hash = sha256(data);
      if (old && old.hash === hash) continue;
      this.enriched++;
      const score = merged.cvss4Score ?? merged.cvss3Score ?? null;
      rows.push({ cve: e.cve, data, hash, kev: merged.kev ? 1 : 0, cvss_score: score, epss: merged.epss?.score ?? null, updated_at: this.now });
    }
    for (let i = 0; i < rows.length; i += 500) {
      await trx.insertInto('cve_enrichment').values(rows.slice(i, i + 500)).onConflict((oc) => oc.column('cve').doUpdateSet((eb) => ({
        data: eb.ref('excluded.data'), hash: eb.ref('excluded.hash'), kev: eb.ref('excluded.kev'),
        cvss_score: eb.ref('excluded.cvss_score'), epss: eb.ref('excluded.epss'), updated_at: eb.ref('excluded.updated_at'),
      }))).execute();
    }
  }
}

/** Field-by-field merge: what `next` knows replaces what `prev` had; what it doesn't know is kept. */
export function mergeEnrichment(prev: CveEnrichment, next: CveEnrichment): CveEnrichment {
  const out: Record<string, unknown> = { ...prev };
  for (const [k, v] of Object.entries(next)) if (v !== undefined && v !== null) out[k] = v;
  // CWEs come from several sources (KEV, vulnrichment, NVD): keep them all, in one order, so that
  // the result does not depend on which source was read last
  if (prev.cwes || next.cwes) out.cwes = [...new Set([...(prev.cwes ?? []), ...(next.cwes ?? [])])].sort();
  return out as unknown as CveEnrichment;
}

function sortKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortKeys) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) as T;
  }
  return v;
}

export type { Kysely };
