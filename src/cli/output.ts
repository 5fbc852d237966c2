/** Terminal output helpers: progress bars only on a terminal, JSON to stdout, tables. */
import type { ImportProgress } from '../vulndb/import.ts';

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

export function isInteractive(opts: OutputOptions): boolean {
  return !!process.stderr.isTTY && !opts.json && !opts.quiet && process.env.CI !== 'true';
}

/** A progress display for imports on stderr; silent when piped (cli-progress is loaded only for a terminal). */
export async function importProgress(opts: OutputOptions): Promise<{ progress?: ImportProgress; stop(): void }> {
  if (!isInteractive(opts)) return { stop() {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({
    format: ' {bar} {value}/{total} sources | {unit} | {records} records',
    stream: process.stderr, hideCursor: true, clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    progress: (p) => {
      if (!started) { bar.start(p.unitCount, 0, { unit: p.unit, records: 0 }); started = true; }
      bar.update(p.unitIndex, { unit: p.unit, records: p.records });
    },
    stop: () => { if (started) bar.stop(); },
  };
}

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

/** A plain left-aligned table. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.min(60, Math.max(...cells.map((r) => (r[i] ?? '').length))));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').slice(0, widths[i]).padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}
