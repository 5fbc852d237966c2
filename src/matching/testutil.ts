/**
 * Loads the real advisory data of ../shared/vulndata into memory as OSV records, for the golden
 * corpus test and bench/match. OSV zips are read as they are; the Debian lists, Alpine secdb and
 * the native databases (rubysec, FriendsOfPHP, nodejs security-wg) go through their format plugins,
 * exactly as an import would. Test and benchmark support only: matching itself does no I/O.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { OsvRecord } from '../model/index.ts';
import { readZip } from '../vulndb/containers.ts';
import { alpineSecdbFormat } from '../vulndb/formats/alpine/index.ts';
import { debianDsaListFormat } from '../vulndb/formats/debian/index.ts';
import type { AdvisoryFormat, FormatOutput } from '../vulndb/formats/types.ts';

export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const VULNDATA = `${SHARED}vulndata/`;
export const OSV_ZIPS = ['Go', 'crates.io', 'PyPI', 'OSS-Fuzz', 'AlmaLinux', 'malicious/npm', 'malicious/PyPI'];

export interface Loaded {
  records: OsvRecord[];
  /** where each part came from, with record counts */
  sources: Record<string, number>;
  /** format errors (bad items the plugins reported and skipped or kept) */
  errors: number;
}

function sink(records: OsvRecord[], counter: { errors: number }, mergeById: boolean): FormatOutput {
  const byId = new Map<string, OsvRecord>();
  return {
    record(r) {
      const prev = mergeById ? byId.get(r.id) : undefined;
      if (prev) {
        prev.affected = [...(prev.affected ?? []), ...(r.affected ?? [])];
        return;
      }
      byId.set(r.id, r);
      records.push(r);
    },
    enrich() {},
    error() {
      counter.errors++;
    },
  };
}

/**
 * Reads every advisory set. `keep` filters records early (the golden test keeps only records naming
 * its inventories' packages). Native sets use the native format plugins when they load, else the
 * OSV conversions in ../shared/crosscheck/derived.
 */
export async function loadVulndata(keep: (r: OsvRecord) => boolean = () => true): Promise<Loaded> {
  const out: Loaded = { records: [], sources: {}, errors: 0 };
  const counter = { errors: 0 };
  const add = (name: string, recs: OsvRecord[]) => {
    const kept = recs.filter(keep);
    out.sources[name] = kept.length;
    for (const r of kept) out.records.push(r);
  };
  for (const z of OSV_ZIPS) {
    const recs: OsvRecord[] = [];
    for await (const e of readZip(`${VULNDATA}${z}/all.zip`, () => counter.errors++)) recs.push(JSON.parse(e.data.toString('utf8')) as OsvRecord);
    add(z, recs);
  }
  for (const list of ['DSA-list.txt', 'DLA-list.txt']) {
    const recs: OsvRecord[] = [];
    debianDsaListFormat.parse({ path: list, data: await readFile(`${VULNDATA}debian/${list}`) }, sink(recs, counter, false));
    add(`debian/${list}`, recs);
  }
  {
    const recs: OsvRecord[] = [];
    const s = sink(recs, counter, true);
    for (const branch of (await readdir(`${VULNDATA}alpine`)).sort()) {
      for (const repo of ['main.yaml', 'community.yaml']) {
        const p = `${VULNDATA}alpine/${branch}/${repo}`;
        if (existsSync(p)) alpineSecdbFormat.parse({ path: `alpine/${branch}/${repo}`, data: await readFile(p) }, s);
      }
    }
    add('alpine', recs);
  }
  let native: readonly AdvisoryFormat[] | undefined;
  try {
    native = (await import('../vulndb/formats/native/index.ts')).nativeFormats;
  } catch {
    native = undefined;
  }
  const nativeSets = [['rubysec', 'RubyGems'], ['friendsofphp', 'Packagist'], ['nodejs-security-wg', 'npm']] as const;
  for (const [dir, eco] of nativeSets) {
    const recs: OsvRecord[] = [];
    if (native) {
      const s = sink(recs, counter, false);
      for await (const e of readZip(`${VULNDATA}native/${dir}/all.zip`, () => counter.errors++)) {
        const f = native.find((x) => x.detect(e.path, e.data.subarray(0, 4096).toString('utf8')));
        f?.parse(e, s);
      }
      add(`native/${dir}`, recs);
    } else {
      for await (const e of readZip(`${SHARED}crosscheck/derived/${eco}/all.zip`, () => counter.errors++)) recs.push(JSON.parse(e.data.toString('utf8')) as OsvRecord);
      add(`crosscheck/derived/${eco}`, recs);
    }
  }
  out.errors = counter.errors;
  return out;
}
