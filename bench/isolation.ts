/**
 * bench/isolation: how the API answers while hostile scans run in isolated scan processes.
 * Starts `vigil server` (SQLite, its own home and TMPDIR), uploads a function whose zip (~2.5 MB)
 * holds a package-lock.json of 1M packages — the issue-13 input that stalled /healthz for 21 s —
 * and polls /healthz every 100 ms until the first scan attempt has been killed at the memory cap
 * (or, with --legit N, until an N-package inventory is recorded). Prints /healthz latency
 * (p50, p99, max, answers), how long the attempt took and the failure it recorded.
 *
 *   node --import tsx bench/isolation.ts [--scan-memory 768] [--packages 1000000] [--legit 40000]
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.ts';
import { startServer } from '../test/helpers/server.ts';
import { makeZip } from '../test/helpers/zip.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const memory = arg('--scan-memory', 768);
const legit = arg('--legit', 0);
const n = legit || arg('--packages', 1_000_000);

function lockfile(count: number): string {
  const parts = ['{"name":"big","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"big","version":"1.0.0"}'];
  for (let i = 0; i < count; i++) parts.push(`,"node_modules/p${i}":{"version":"1.0.${i % 10}"}`);
  parts.push('}}');
  return parts.join('');
}

const pct = (xs: number[], p: number) => xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] : NaN;

const home = await mkdtemp(join(tmpdir(), 'vigil-bench-isolation-'));
await mkdir(join(home, 'tmp'));
const db = `sqlite:${join(home, 'vigil.db')}`;
const server = await startServer({ home, db, args: ['--tick', '1', '--scan-memory', String(memory)], env: { TMPDIR: join(home, 'tmp') } });
const store = await openStore(db);
try {
  const zip = makeZip([{ name: 'package-lock.json', data: lockfile(n) }]);
  const fn = await server.api('POST', '/v1/functions', { name: 'bench', config: {} });
  const latencies: number[] = [];
  let failures = 0;
  let stop = false;
  const probe = (async () => {
    while (!stop) {
      const t = performance.now();
      try { const r = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(30_000) }); await r.text(); latencies.push(performance.now() - t); } catch { failures++; }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const t0 = performance.now();
  const res = await fetch(`${server.url}/v1/functions/${fn.body.id}/versions`, { method: 'POST', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/zip' }, body: new Uint8Array(zip) });
  const { resourceId } = await res.json() as { resourceId: string };
  let outcome = '';
  for (;;) {
    const r = await store.db.selectFrom('resources').select(['attributes', 'coverage_reason']).where('id', '=', resourceId).executeTakeFirstOrThrow();
    const lastError = (JSON.parse(r.attributes) as { lastError?: string }).lastError;
    if (lastError) { outcome = `failed: ${lastError}`; break; }
    if (r.coverage_reason === 'SUCCESSFUL') { outcome = 'recorded'; break; }
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await probe;
  console.log(`input: ${n.toLocaleString('en')} packages, zip ${(zip.length / 1e6).toFixed(1)} MB, --scan-memory ${memory} MiB`);
  console.log(`scan attempt: ${seconds.toFixed(1)} s, ${outcome}`);
  console.log(`/healthz while it ran: ${latencies.length} answers, ${failures} without an answer in 30 s; p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
} finally {
  await store.close();
  await server.stop();
  await rm(home, { recursive: true, force: true });
}
