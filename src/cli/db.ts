/** `vigil db …`: import, update, status, show, search. */
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';
import type { Store } from '../store/index.ts';
import type { Logger } from '../log.ts';
import type { ImportReport } from '../vulndb/import.ts';
import { resolveConfig, type Config } from './config.ts';
import { importProgress, printJson, table, type OutputOptions } from './output.ts';
import { EXIT } from './exit.ts';

// The implementations (store, importers, queries) are imported by each action when it runs, so
// that registering these commands costs nothing at start-up.

interface GlobalOpts extends OutputOptions {
  home?: string;
  db?: string;
  verbose?: boolean;
}

async function withStore<T>(cmd: Command, fn: (store: Store, cfg: Config, log: Logger, opts: GlobalOpts) => Promise<T>): Promise<T> {
  const opts = cmd.optsWithGlobals<GlobalOpts>();
  const cfg = resolveConfig(opts);
  const [{ createLogger, levelFor }, { openStore }] = await Promise.all([import('../log.ts'), import('../store/index.ts')]);
  const log = createLogger(levelFor(opts, 'warn'));
  const store = await openStore(cfg.databaseUrl);
  try {
    return await fn(store, cfg, log, opts);
  } finally {
    await store.close();
  }
}

function printImportReport(r: ImportReport, opts: GlobalOpts) {
  if (opts.json) return printJson(r);
  if (opts.quiet) return;
  const out = process.stdout;
  out.write(table(['source', 'records', 'invalid', 'data date'], r.sources.map((s) => [s.key, s.records, s.invalid, s.dataDate ?? ''])));
  out.write(`\nchange set ${r.changeSetId}: ${r.added} added, ${r.modified} modified, ${r.withdrawn} withdrawn, ${r.unchanged} unchanged, ${r.enriched} CVEs enriched; ${r.packages} packages touched (${(r.durationMs / 1000).toFixed(1)} s)\n`);
  if (r.errors.length) {
    out.write(`\n${r.errors.length} entries skipped:\n`);
    for (const e of r.errors.slice(0, 20)) out.write(`  ${e.input}: ${e.rule}: ${e.message}\n`);
    if (r.errors.length > 20) out.write(`  … ${r.errors.length - 20} more (vigil db status --json lists them all)\n`);
  }
}

const ECOSYSTEMS_HELP = 'comma-separated OSV ecosystems (default: the ones `vigil db update --help` lists)';

/** Fills in help texts whose defaults live in modules loaded lazily (called only for --help). */
export async function loadDbHelpDetails(program: Command): Promise<void> {
  const { DEFAULT_OSV_ECOSYSTEMS } = await import('../vulndb/update.ts');
  const update = program.commands.find((c) => c.name() === 'db')?.commands.find((c) => c.name() === 'update');
  const opt = update?.options.find((o) => o.long === '--ecosystems');
  if (opt) opt.description = `comma-separated OSV ecosystems (default: ${DEFAULT_OSV_ECOSYSTEMS.join(',')})`;
}

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the vulnerability database: import, update, inspect');

  db.command('import')
    .description('import advisory data from files, directories (formats auto-detected) or URLs')
    .argument('<inputs...>', 'paths or http(s) URLs')
    .option('--strict', 'exit with code 3 when any entry was skipped as invalid')
    .action(async (inputs: string[], o: { strict?: boolean }, cmd: Command) => {
      await withStore(cmd, async (store, cfg, log, opts) => {
        const p = await importProgress(opts);
        let report: ImportReport;
        try {
          const { importSources } = await import('../vulndb/update.ts');
          report = await importSources(inputs, { store, log, home: cfg.home, progress: p.progress });
        } finally {
          p.stop();
        }
        printImportReport(report, opts);
        if (o.strict && report.errors.length) process.exitCode = EXIT.PARTIAL;
      });
    });

  db.command('update')
    .description("download the latest advisory data (osv.dev bulk exports, CISA KEV, EPSS); only what changed")
    .option('--ecosystems <list>', ECOSYSTEMS_HELP)
    .option('--no-kev', 'skip the CISA KEV catalog')
    .option('--no-epss', 'skip EPSS scores')
    .option('--debian-tracker', "also fetch the Debian security tracker's JSON export")
    .option('--alpine <branches>', 'also fetch Alpine secdb for these branches (e.g. v3.19,v3.20)')
    .option('--osv-url <url>', 'base URL of the OSV bulk exports', process.env.VIGIL_OSV_URL)
    .option('--offline', 'refuse to use the network')
    .action(async (o: { ecosystems?: string; kev: boolean; epss: boolean; osvUrl?: string; offline?: boolean; debianTracker?: boolean; alpine?: string }, cmd: Command) => {
      if (o.offline) throw new VigilError('VIGIL_CONFIG', 'db update needs the network; with --offline, use `vigil db import <dir>` instead', { rule: 'offline' });
      await withStore(cmd, async (store, cfg, log, opts) => {
        const { updateDatabase } = await import('../vulndb/update.ts');
        const p = await importProgress(opts);
        try {
          const r = await updateDatabase({
            store, log, home: cfg.home, progress: p.progress,
            ecosystems: o.ecosystems ? o.ecosystems.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
            kev: o.kev, epss: o.epss, osvBaseUrl: o.osvUrl, debianTracker: o.debianTracker,
            alpineBranches: o.alpine ? o.alpine.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
          });
          p.stop();
          if (opts.json) printJson(r);
          else {
            for (const s of r.fetched) process.stdout.write(`${s.name}: ${s.status}${s.detail ? ` (${s.detail})` : ''}\n`);
            if (r.import) printImportReport(r.import, opts);
          }
          if (r.fetched.some((f) => f.status === 'failed')) process.exitCode = EXIT.PARTIAL;
        } finally {
          p.stop();
        }
      });
    });

  db.command('status')
    .description('sources with their dates, record counts per ecosystem, last update, data age')
    .action(async (_o: unknown, cmd: Command) => {
      await withStore(cmd, async (store, _cfg, _log, opts) => {
        const { dbStatus } = await import('../vulndb/query.ts');
        const s = await dbStatus(store);
        if (opts.json) return printJson(s);
        const out = process.stdout;
        out.write(`database: ${s.database.dialect} ${s.database.url}\n`);
        out.write(`records: ${s.records.total} (${s.records.withdrawn} withdrawn)\n`);
        out.write(`last update: ${s.lastUpdate?.finishedAt ?? 'never'}\n`);
        out.write(`newest data: ${s.dataAge.newest ?? '-'}${s.dataAge.days !== null ? ` (${s.dataAge.days} days old)` : ''}\n`);
        out.write(`enrichment: ${s.enrichment.cves} CVEs, ${s.enrichment.kev} in KEV, ${s.enrichment.cvss} with CVSS, ${s.enrichment.epss} with EPSS\n\n`);
        out.write(table(['source', 'kind', 'records', 'invalid', 'data date', 'imported'], s.sources.map((x) => [x.key, x.kind, x.records, x.invalid, x.dataDate ?? '', x.lastImportedAt])));
        out.write('\n' + table(['ecosystem', 'records'], Object.entries(s.ecosystems)));
        if (s.invalid.length) out.write(`\n${s.invalid.length} entries were skipped by the last import (--json lists them with reasons)\n`);
      });
    });

  db.command('show')
    .description('the merged vulnerability for an id or alias')
    .argument('<id>', 'CVE, GHSA, PYSEC, GO, RUSTSEC, DSA, ALSA, MAL, … id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await withStore(cmd, async (store, _cfg, _log, opts) => {
        const { showVulnerability } = await import('../vulndb/query.ts');
        const v = await showVulnerability(store, id);
        if (!v) throw new VigilError('VIGIL_NOT_FOUND', `no vulnerability with id or alias ${JSON.stringify(id)}`, { input: id, rule: 'known-id' });
        if (opts.json) return printJson(v);
        const out = process.stdout;
        out.write(`${v.id}${v.withdrawn ? '  [WITHDRAWN]' : ''}\n`);
        if (v.aliases.length) out.write(`aliases: ${v.aliases.join(', ')}\n`);
        if (v.related.length) out.write(`related: ${v.related.slice(0, 30).join(', ')}${v.related.length > 30 ? ', …' : ''}\n`);
        if (v.summary) out.write(`summary: ${v.summary}\n`);
        out.write(`severity: ${v.cvss ? `${v.cvss.rating} ${v.cvss.score} ${v.cvss.vector} (from ${v.cvss.from})` : 'untriaged (no CVSS)'}\n`);
        for (const k of v.kev) out.write(`KEV: known exploited, added ${k.dateAdded}${k.dueDate ? `, due ${k.dueDate}` : ''}${k.knownRansomwareCampaignUse === 'Known' ? ', used in ransomware' : ''} (${k.cve})\n`);
        if (v.cwes.length) out.write(`CWE: ${v.cwes.join(', ')}\n`);
        for (const e of v.epss) out.write(`EPSS: ${e.score} (percentile ${e.percentile}) (${e.cve})\n`);
        out.write(`published: ${v.published ?? '-'}  modified: ${v.modified ?? '-'}\n`);
        out.write(`records: ${v.records.map((r) => `${r.id} [${r.source}]`).join(', ')}\n\naffected:\n`);
        for (const a of v.affected.slice(0, 50)) {
          const ranges = (a.ranges ?? []).map((r) => `${r.type} ${r.events.map((e) => Object.entries(e).map(([k, val]) => `${k}=${val}`).join('')).join(' ')}`).join('; ');
          out.write(`  ${a.ecosystem}/${a.name}: ${ranges || ''}${a.versions.length ? ` versions: ${a.versions.slice(0, 8).join(', ')}${a.versions.length > 8 ? ` (+${a.versions.length - 8})` : ''}` : ''}${a.status ? ` [${a.status}]` : ''}\n`);
        }
        if (v.affected.length > 50) out.write(`  … ${v.affected.length - 50} more (--json)\n`);
        if (v.references.length) out.write(`\nreferences:\n${v.references.slice(0, 15).map((r) => `  ${r.type} ${r.url}`).join('\n')}\n`);
      });
    });

  db.command('search')
    .description('search by id or alias, package ("lodash", "npm:lodash", "Debian:11:openssl") or text')
    .argument('<query>')
    .option('--limit <n>', 'at most this many results', '50')
    .action(async (query: string, o: { limit: string }, cmd: Command) => {
      await withStore(cmd, async (store, _cfg, _log, opts) => {
        const { searchVulnerabilities } = await import('../vulndb/query.ts');
        const hits = await searchVulnerabilities(store, query, Number(o.limit) || 50);
        if (opts.json) return printJson(hits);
        if (hits.length === 0) {
          process.stdout.write(`no results for ${JSON.stringify(query)}\n`);
          process.exitCode = EXIT.NOT_FOUND;
          return;
        }
        process.stdout.write(table(['id', 'group', 'by', 'modified', 'packages', 'summary'], hits.map((h) => [h.id + (h.withdrawn ? ' (withdrawn)' : ''), h.group, h.matchedBy, h.modified.slice(0, 10), h.packages.slice(0, 3).join(' '), (h.summary ?? '').slice(0, 80)])));
      });
    });
}
