/**
 * Benchmark files: src/detectors/cis/benchmarks/<id>.yaml, validated with BenchmarkSchema. Bundled
 * (dist/), the files sit in dist/cis-benchmarks/ (scripts/build.mjs copies them).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { VigilError } from '../../model/errors.ts';
import type { OsInfo } from '../../extractors/types.ts';
import { BenchmarkSchema, type Benchmark } from './schema.ts';

/** where the benchmark files are: beside this module (sources) or in dist/cis-benchmarks (bundle) */
export function benchmarksDir(): string {
  for (const rel of ['./benchmarks/', './cis-benchmarks/']) {
    const d = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(d)) return d;
  }
  throw new VigilError('VIGIL_CONFIG', `no CIS benchmark files beside ${fileURLToPath(import.meta.url)}`, { rule: 'cis-benchmarks-missing' });
}

/**
 * Parses and validates one benchmark file's text.
 * @throws VigilError VIGIL_CONFIG naming the file and the path of the first problems
 */
export function parseBenchmark(text: string, file: string): Benchmark {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new VigilError('VIGIL_CONFIG', `${file}: not valid YAML: ${(e as Error).message}`, { input: file, rule: 'cis-benchmark-yaml', cause: e });
  }
  const r = BenchmarkSchema.safeParse(doc);
  if (!r.success) {
    const probs = r.error.issues.slice(0, 5).map((i) => {
      // name the check by its id, not only its index
      const at = i.path.map(String);
      if (at[0] === 'checks' && typeof i.path[1] === 'number') {
        const id = (doc as { checks?: { id?: string }[] }).checks?.[i.path[1]]?.id;
        if (id) at[1] = `${i.path[1]} (${id})`;
      }
      return `${at.join('.') || '(top)'}: ${i.message}`;
    });
    throw new VigilError('VIGIL_CONFIG', `${file}: not a valid benchmark: ${probs.join('; ')}`, { input: file, rule: 'cis-benchmark-schema' });
  }
  const ids = new Set<string>();
  for (const c of r.data.checks) {
    if (ids.has(c.id)) throw new VigilError('VIGIL_CONFIG', `${file}: check ${c.id} appears twice`, { input: file, rule: 'cis-benchmark-schema' });
    ids.add(c.id);
    for (const re of collectRegexes(c.test).concat(collectRegexes(c.applies_if))) {
      try {
        new RegExp(re);
      } catch (e) {
        throw new VigilError('VIGIL_CONFIG', `${file}: check ${c.id}: bad regex ${JSON.stringify(re)}: ${(e as Error).message}`, { input: file, rule: 'cis-benchmark-schema' });
      }
    }
  }
  return r.data;
}

function collectRegexes(t: unknown): string[] {
  if (!t || typeof t !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
    if ((k === 'regex' || k === 'control_regex') && typeof v === 'string') out.push(v);
    else if (k === 'op' || k === 'value') continue;
    else if (Array.isArray(v)) v.forEach((x) => out.push(...collectRegexes(x)));
    else if (typeof v === 'object') out.push(...collectRegexes(v));
  }
  return out;
}

let cache: Promise<Benchmark[]> | undefined;

/** Every benchmark shipped, sorted by id. @throws VigilError VIGIL_CONFIG for a bad file */
export function loadBenchmarks(dir?: string): Promise<Benchmark[]> {
  const load = async () => {
    const d = dir ?? benchmarksDir();
    const files = (await readdir(d)).filter((f) => /\.ya?ml$/.test(f)).sort();
    const out: Benchmark[] = [];
    for (const f of files) out.push(parseBenchmark(await readFile(join(d, f), 'utf8'), f));
    return out.sort((a, b) => a.id.localeCompare(b.id));
  };
  if (dir) return load();
  cache ??= load();
  return cache;
}

/** The benchmark for a system (os-release ID and VERSION_ID; "12.4" matches "12"), or undefined. */
export async function benchmarkFor(os: Pick<OsInfo, 'id' | 'versionId'> | undefined, benchmarks?: Benchmark[]): Promise<Benchmark | undefined> {
  if (!os?.versionId) return undefined;
  const all = benchmarks ?? (await loadBenchmarks());
  const v = os.versionId;
  return all.find((b) => b.platform.id.includes(os.id) && b.platform.version_id.some((x) => v === x || v.startsWith(`${x}.`)));
}

/** A benchmark by id. @throws VigilError VIGIL_CONFIG (a usage error) naming the ones there are */
export async function benchmarkById(id: string): Promise<Benchmark> {
  const all = await loadBenchmarks();
  const b = all.find((x) => x.id === id);
  if (!b) throw new VigilError('VIGIL_CONFIG', `no CIS benchmark ${JSON.stringify(id)}; there are: ${all.map((x) => x.id).join(', ')}`, { input: id, rule: 'cis-benchmark' });
  return b;
}
