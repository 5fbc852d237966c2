/**
 * What the benches share to report honestly on a shared machine: dropping the page cache for a cold
 * run (where the sandbox allows it), runs summarised as min and median with their spread, and
 * ratios taken round by round between commands run alternately in the same round.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/**
 * `sync; echo 3 > /proc/sys/vm/drop_caches`: the page, dentry and inode caches dropped, so the next
 * run reads its inputs (and its own program files, the database) from disk. Needs root and a
 * writable /proc/sys; returns false where that is refused (cold then means only a fresh process).
 */
export function dropCaches(): boolean {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** Whether cold runs can drop the page cache here (tried once; BENCH_NO_DROP=1 declines). */
export function canDropCaches(): boolean {
  if (process.env.BENCH_NO_DROP === '1') return false;
  return dropCaches();
}

export const coldMeaning = (dropped: boolean): string =>
  dropped
    ? 'cold = a fresh process right after `sync; echo 3 > /proc/sys/vm/drop_caches` (inputs, program files and database read from disk)'
    : 'cold = the first run in a fresh process; the page cache could not be dropped here (BENCH_NO_DROP=1 or /proc/sys/vm/drop_caches not writable), so files may already be cached';

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
  /** (max − min) / median: how much the same command's runs disagree */
  spread: number;
}

export function summarize(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { n, min: s[0], median, max: s[n - 1], spread: median > 0 ? (s[n - 1] - s[0]) / median : 0 };
}

/** "min 1.23 / median 1.30 s (max 1.41, spread 14%, n=5)" */
export function fmtSummary(s: Summary, unit: 's' | 'ms' = 's', digits = 2): string {
  const f = (x: number) => (unit === 's' ? (x / 1000).toFixed(digits) : x.toFixed(digits));
  return `min ${f(s.min)} / median ${f(s.median)} ${unit} (max ${f(s.max)}, spread ${(s.spread * 100).toFixed(0)}%, n=${s.n})`;
}

/**
 * The ratio candidate / baseline: of the medians, of the mins, and its range over the rounds (each
 * round ran both, one after the other, so a round's ratio shares that moment's load).
 */
export function fmtRatio(candidate: readonly number[], baseline: readonly number[]): string {
  const c = summarize(candidate);
  const b = summarize(baseline);
  const perRound = candidate.map((x, i) => x / baseline[i]).filter(Number.isFinite);
  const r = summarize(perRound);
  return `${(c.median / b.median).toFixed(2)}× of medians, ${(c.min / b.min).toFixed(2)}× of mins; per round ${r.min.toFixed(2)}–${r.max.toFixed(2)}×`;
}

export const machineLoad = (): string =>
  `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} CPUs`;

/**
 * What the kernel does to idle page cache here, for the report: a DAMON scheme whose action is
 * `pageout` (/sys/kernel/mm/damon/admin) drops file pages it found idle, so "warm" files go back to
 * disk within about a minute; null where no such scheme runs (most machines).
 */
export function pageCacheNote(root = '/sys/kernel/mm/damon/admin/kdamonds'): string | null {
  const read = (p: string) => readFileSync(p, 'utf8').trim();
  try {
    for (const k of readdirSync(root)) {
      if (!/^\d+$/.test(k) || read(`${root}/${k}/state`) !== 'on') continue;
      const ctx = `${root}/${k}/contexts`;
      for (const c of readdirSync(ctx).filter((x) => /^\d+$/.test(x))) {
        const schemes = `${ctx}/${c}/schemes`;
        for (const s of readdirSync(schemes).filter((x) => /^\d+$/.test(x))) {
          if (read(`${schemes}/${s}/action`) !== 'pageout') continue;
          const intervals = `${ctx}/${c}/monitoring_attrs/intervals`;
          const ageSec = (Number(read(`${schemes}/${s}/access_pattern/age/min`)) * Number(read(`${intervals}/aggr_us`))) / 1e6;
          return `the kernel pages out memory idle for ${ageSec} s or more (DAMON kdamond ${k}, action pageout)`;
        }
      }
    }
  } catch {
    // no DAMON sysfs interface, or not readable: nothing to say
  }
  return null;
}
