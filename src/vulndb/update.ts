/**
 * Getting advisory data from the network: `vigil db import <url>` and `vigil db update`.
 *
 * `db update` fetches osv.dev's per-ecosystem bulk exports (https://google.github.io/osv.dev/data/),
 * the CISA KEV catalog and FIRST's EPSS scores, and imports them in one transaction (one change set).
 * It downloads only what changed when it can tell:
 * - for an ecosystem imported before, osv.dev's `<eco>/modified_id.csv` (one "modified,id" line per
 *   record, newest first) names the records modified since; only those `<eco>/<id>.json` are fetched;
 * - otherwise (first time, or too many changes) the whole `<eco>/all.zip`, with If-None-Match /
 *   If-Modified-Since so an unchanged export is not downloaded again (HTTP 304).
 * Downloads are staged under the home directory and removed afterwards.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { VigilError } from '../model/index.ts';
import { TargetPolicy, type FetchLike } from '../policy/index.ts';
import type { Store } from '../store/index.ts';
import { importInputs, type ImportProgress, type ImportReport } from './import.ts';

export const DEFAULT_OSV_BASE_URL = 'https://osv-vulnerabilities.storage.googleapis.com';
export const DEFAULT_KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';
export const DEFAULT_EPSS_URL = 'https://epss.empiricalsecurity.com/epss_scores-current.csv.gz';
export const DEFAULT_DEBIAN_TRACKER_URL = 'https://security-tracker.debian.org/tracker/data/json';
export const DEFAULT_ALPINE_SECDB_URL = 'https://secdb.alpinelinux.org';
/** (issue 20) Bitnami: OSV's records of language runtimes (node, python, java, …), which the runtime extractors' packages match */
export const DEFAULT_OSV_ECOSYSTEMS = [
  'npm', 'PyPI', 'Go', 'crates.io', 'Maven', 'NuGet', 'RubyGems', 'Packagist', 'Pub', 'Hex', 'SwiftURL', 'Bitnami',
  'Debian', 'Ubuntu', 'Alpine', 'AlmaLinux', 'Rocky Linux', 'Red Hat', 'SUSE', 'openSUSE', 'Wolfi', 'Chainguard',
];
/** above this many changed records, one zip download is cheaper than many small ones */
const MAX_INCREMENTAL = 2000;
const MAX_DOWNLOAD_BYTES = 8 * 1024 * 1024 * 1024;

export interface FetchResult {
  name: string;
  status: 'downloaded' | 'incremental' | 'unchanged' | 'failed';
  detail?: string;
}

interface Common {
  store: Store;
  log: Logger;
  home: string;
  progress?: ImportProgress;
  /** how requests are made (default the operator's policy: db update's URLs are the operator's, never a tenant's) */
  fetch?: FetchLike;
}

async function stageDir(home: string): Promise<string> {
  const base = join(home, 'downloads');
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, 'stage-'));
}

/** Streams a response body to a file, refusing bodies over the size limit. */
async function download(res: Response, file: string, url: string): Promise<void> {
  if (!res.body) throw new VigilError('VIGIL_NETWORK', `${url}: empty response body`, { input: url, rule: 'http-body' });
  await mkdir(dirname(file), { recursive: true });
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > MAX_DOWNLOAD_BYTES) cb(new VigilError('VIGIL_LIMIT_EXCEEDED', `${url}: download exceeds ${MAX_DOWNLOAD_BYTES} bytes`, { input: url, rule: 'download-size-limit' }));
      else cb(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), limit, createWriteStream(file));
}

async function get(fetchFn: FetchLike, url: string, headers: Record<string, string> = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(url, { headers, redirect: 'follow' });
  } catch (err) {
    throw new VigilError('VIGIL_NETWORK', `${url}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`, { input: url, rule: 'http-fetch', cause: err });
  }
  if (res.status !== 200 && res.status !== 304) {
    throw new VigilError('VIGIL_NETWORK', `${url}: HTTP ${res.status} ${res.statusText}`, { input: url, rule: 'http-status' });
  }
  return res;
}

/** Imports local paths and http(s) URLs (downloaded to the home directory first, then removed). */
export async function importSources(inputs: string[], opts: Common): Promise<ImportReport> {
  const fetchFn = opts.fetch ?? TargetPolicy.operator().fetch;
  const urls = inputs.filter((i) => /^https?:\/\//i.test(i));
  if (urls.length === 0) return importInputs(inputs, opts);
  const stage = await stageDir(opts.home);
  try {
    const resolved: string[] = [];
    for (const [i, input] of inputs.entries()) {
      if (!urls.includes(input)) { resolved.push(input); continue; }
      // keep the last two path segments ("PyPI/all.zip"), as the source's location
      const segs = new URL(input).pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const rel = segs.slice(-2).join('/') || 'download';
      const dir = join(stage, String(i));
      const res = await get(fetchFn, input);
      await download(res, join(dir, rel), input);
      resolved.push(dir);
    }
    return await importInputs(resolved, opts);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

export interface UpdateOptions extends Common {
  ecosystems?: string[];
  kev?: boolean;
  epss?: boolean;
  osvBaseUrl?: string;
  kevUrl?: string;
  epssUrl?: string;
  /** also fetch the Debian security tracker's JSON export (osv.dev's Debian export covers DSA/DLA) */
  debianTracker?: boolean;
  debianTrackerUrl?: string;
  /** Alpine secdb branches to fetch directly ("v3.20"), main and community each */
  alpineBranches?: string[];
  alpineSecdbUrl?: string;
}

export interface UpdateReport {
  fetched: FetchResult[];
  import: ImportReport | null;
}

/** Parses osv.dev's modified_id.csv ("2024-06-28T04:55:44Z,GHSA-…" per line). */
export function parseModifiedIds(text: string): { modified: string; id: string }[] {
  const out: { modified: string; id: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(',');
    if (i < 0) continue;
    const modified = line.slice(0, i).trim();
    const id = line.slice(i + 1).trim().split('/').pop()!;
    if (/^\d{4}-\d{2}-\d{2}T/.test(modified) && id) out.push({ modified, id });
  }
  return out;
}

export async function updateDatabase(opts: UpdateOptions): Promise<UpdateReport> {
  const fetchFn = opts.fetch ?? TargetPolicy.operator().fetch;
  const base = (opts.osvBaseUrl ?? DEFAULT_OSV_BASE_URL).replace(/\/+$/, '');
  const ecosystems = opts.ecosystems ?? DEFAULT_OSV_ECOSYSTEMS;
  const { db } = opts.store;
  const stage = await stageDir(opts.home);
  const fetched: FetchResult[] = [];
  const sourceMeta = new Map<string, { etag?: string; lastModified?: string; meta?: unknown }>();
  const incrementalSources = new Map<string, string>();
  try {
    for (const eco of ecosystems) {
      const location = `${eco}/all.zip`;
      const prev = await db.selectFrom('sources').selectAll().where('key', '=', `osv:${location}`).executeTakeFirst();
      const ecoUrl = `${base}/${encodeURIComponent(eco)}`;
      try {
        if (prev?.data_date) {
          // incremental: only the records modified since the newest one we have
          const idx = await get(fetchFn, `${ecoUrl}/modified_id.csv`).catch(() => null);
          if (idx && idx.status === 200) {
            const changed = parseModifiedIds(await idx.text()).filter((r) => r.modified > prev.data_date!);
            if (changed.length === 0) { fetched.push({ name: eco, status: 'unchanged', detail: 'no record modified since ' + prev.data_date }); continue; }
            if (changed.length <= MAX_INCREMENTAL) {
              const dir = join(stage, 'osv-incremental', eco, 'all.zip');
              for (const { id } of changed) {
                const res = await get(fetchFn, `${ecoUrl}/${encodeURIComponent(id)}.json`);
                await writeFile(join(await mkdir(dir, { recursive: true }).then(() => dir), `${id.replace(/[/\\]/g, '_')}.json`), Buffer.from(await res.arrayBuffer()));
              }
              incrementalSources.set(`osv:${location}`, eco);
              fetched.push({ name: eco, status: 'incremental', detail: `${changed.length} records modified since ${prev.data_date}` });
              continue;
            }
          }
        }
        const headers: Record<string, string> = {};
        if (prev?.etag) headers['if-none-match'] = prev.etag;
        if (prev?.last_modified) headers['if-modified-since'] = prev.last_modified;
        const res = await get(fetchFn, `${ecoUrl}/all.zip`, headers);
        if (res.status === 304) { fetched.push({ name: eco, status: 'unchanged', detail: 'HTTP 304' }); continue; }
        await download(res, join(stage, 'osv', location), `${ecoUrl}/all.zip`);
        sourceMeta.set(location, { etag: res.headers.get('etag') ?? undefined, lastModified: res.headers.get('last-modified') ?? undefined });
        fetched.push({ name: eco, status: 'downloaded' });
      } catch (err) {
        opts.log.error({ ecosystem: eco, err: (err as Error).message }, 'ecosystem update failed');
        fetched.push({ name: eco, status: 'failed', detail: (err as Error).message });
      }
    }
    const alpineBase = (opts.alpineSecdbUrl ?? DEFAULT_ALPINE_SECDB_URL).replace(/\/+$/, '');
    const others: [boolean, string, string, string][] = [
      [opts.kev !== false, 'kev', opts.kevUrl ?? DEFAULT_KEV_URL, 'kev/known_exploited_vulnerabilities.json'],
      [opts.epss !== false, 'epss', opts.epssUrl ?? DEFAULT_EPSS_URL, 'epss/epss_scores-current.csv.gz'],
      [!!opts.debianTracker, 'debian-tracker', opts.debianTrackerUrl ?? DEFAULT_DEBIAN_TRACKER_URL, 'debian/tracker.json'],
      ...(opts.alpineBranches ?? []).flatMap((b) => ['main', 'community'].map((repo) => [true, `alpine ${b}/${repo}`, `${alpineBase}/${b}/${repo}.json`, `alpine/${b}/${repo}.json`] as [boolean, string, string, string])),
    ];
    for (const [enabled, name, url, rel] of others) {
      if (!enabled) continue;
      try {
        const prev = await db.selectFrom('sources').selectAll().where('location', '=', rel.replace(/\.gz$/, '')).executeTakeFirst();
        const headers: Record<string, string> = {};
        if (prev?.etag) headers['if-none-match'] = prev.etag;
        if (prev?.last_modified) headers['if-modified-since'] = prev.last_modified;
        const res = await get(fetchFn, url, headers);
        if (res.status === 304) { fetched.push({ name, status: 'unchanged', detail: 'HTTP 304' }); continue; }
        await download(res, join(stage, 'enrich', rel), url);
        sourceMeta.set(rel.replace(/\.gz$/, ''), { etag: res.headers.get('etag') ?? undefined, lastModified: res.headers.get('last-modified') ?? undefined });
        fetched.push({ name, status: 'downloaded' });
      } catch (err) {
        fetched.push({ name, status: 'failed', detail: (err as Error).message });
      }
    }
    const inputs: string[] = [];
    for (const d of ['osv', 'osv-incremental', 'enrich']) {
      if (fetched.length && (await import('node:fs')).existsSync(join(stage, d))) inputs.push(join(stage, d));
    }
    if (inputs.length === 0) return { fetched, import: null };
    const report = await importInputs(inputs, { ...opts, sourceMeta, incrementalSources });
    return { fetched, import: report };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
