/**
 * bench/db-import: wall time and peak RSS of importing all of ../shared/vulndata into SQLite and into
 * PostgreSQL, against a baseline measured in the same run (reading and parsing everything, writing
 * nothing); then p50/p99 of lookups by (ecosystem, package name) on both.
 * Targets (issue 2): import under 30 s, under 1 GiB RSS; lookup p99 under 1 ms.
 *
 *   node --import tsx bench/db-import.ts [--data ../shared/vulndata] [--pg postgres://postgres@127.0.0.1:5432/postgres] [--lookups 20000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { openStore } from '../src/store/index.ts';
import { packageLookup } from '../src/vulndb/query.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const DATA = resolve(opt('data', resolve(import.meta.dirname, '..', '..', 'shared', 'vulndata')));
const PG = opt('pg', process.env.VIGIL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const LOOKUPS = Number(opt('lookups', '20000'));

function child(mode: string, url: string) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'db-import-child.ts'), mode, url, DATA], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; maxRssMiB: number; added?: number };
}

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function lookups(url: string) {
  const store = await openStore(url);
  const pairs = await store.db.selectFrom('vuln_affected').select(['ecosystem', 'name']).distinct().orderBy('ecosystem').orderBy('name').execute();
  // deterministic sample: every k-th pair, plus misses
  const sample: { ecosystem: string; name: string }[] = [];
  const step = Math.max(1, Math.floor(pairs.length / LOOKUPS));
  for (let i = 0; i < pairs.length && sample.length < LOOKUPS; i += step) sample.push(pairs[i]);
  for (let i = 0; i < LOOKUPS / 10; i++) sample.push({ ecosystem: 'npm', name: `no-such-package-${i}` });
  const lookup = packageLookup(store);
  for (const p of sample.slice(0, 500)) await lookup(p.ecosystem, p.name); // warm-up
  const times: number[] = [];
  let rows = 0;
  for (const p of sample) {
    const t = performance.now();
    rows += (await lookup(p.ecosystem, p.name)).length;
    times.push(performance.now() - t);
  }
  await store.close();
  times.sort((a, b) => a - b);
  return { n: times.length, rows, p50: pct(times, 50), p99: pct(times, 99), max: times[times.length - 1] };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
const results: Record<string, unknown> = {};
try {
  const base = child('read-only', '');
  console.log(`baseline (read + parse all of ${DATA}, no writes): ${(base.ms / 1000).toFixed(2)} s, peak RSS ${base.maxRssMiB.toFixed(0)} MiB`);
  const sqliteUrl = `sqlite:${join(dir, 'bench.db')}`;
  const s = child('import', sqliteUrl);
  console.log(`SQLite import:     ${(s.ms / 1000).toFixed(2)} s (${(s.ms / base.ms).toFixed(2)}x baseline), peak RSS ${s.maxRssMiB.toFixed(0)} MiB, ${s.added} records  [target < 30 s, < 1024 MiB]`);
  results.sqlite = s;

  const name = `vigil_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const u = new URL(PG);
  u.pathname = `/${name}`;
  try {
    const p = child('import', u.toString());
    console.log(`PostgreSQL import: ${(p.ms / 1000).toFixed(2)} s (${(p.ms / base.ms).toFixed(2)}x baseline), peak RSS ${p.maxRssMiB.toFixed(0)} MiB, ${p.added} records  [target < 30 s, < 1024 MiB]`);
    results.postgres = p;
    for (const [label, url] of [['SQLite', sqliteUrl], ['PostgreSQL', u.toString()]] as const) {
      const l = await lookups(url);
      console.log(`${label} lookup by (ecosystem, name): ${l.n} lookups, ${l.rows} rows, p50 ${(l.p50 * 1000).toFixed(0)} µs, p99 ${(l.p99 * 1000).toFixed(0)} µs, max ${(l.max * 1000).toFixed(0)} µs  [target p99 < 1 ms]`);
    }
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
