/** `vigil network analyze DIR`: reachability from the internet, from AWS CLI output or a host's firewall and sockets. */
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';
import type { NetworkFinding, NetworkResult } from '../detectors/network/index.ts';
import { table } from './output.ts';

const FORMATS = ['table', 'json'];

interface AnalyzeOpts { format: string; output?: string; host?: string; exitCode?: string; json?: boolean; quiet?: boolean }

function portText(f: NetworkFinding): string {
  return f.openPortRange.begin === f.openPortRange.end ? String(f.openPortRange.begin) : `${f.openPortRange.begin}-${f.openPortRange.end}`;
}

/** The readable form: one line per finding (resource, family, protocol, ports, from, path), then the notes. */
export function renderNetworkTable(r: NetworkResult): string {
  let out = r.findings.length === 0 ? 'No path from the internet.\n' : table(
    ['RESOURCE', 'FAMILY', 'PROTO', 'PORTS', 'FROM', 'PATH'],
    r.findings.map((f) => [f.resourceId, f.addressFamily, f.protocol, portText(f), (f.sources.length > 2 ? `${f.sources.slice(0, 2).join(', ')} +${f.sources.length - 2}` : f.sources.join(', ')) + (f.sourcesExcept ? ` except ${f.sourcesExcept.length > 1 ? `${f.sourcesExcept[0]} +${f.sourcesExcept.length - 1}` : f.sourcesExcept[0]}` : ''),
      f.networkPath.steps.map((s) => s.componentId.replace(/^arn:aws:elasticloadbalancing:[^:]*:\d*:/, '')).join(' → ') + (f.listeners ? `  [${f.listeners.map((l) => l.process ?? `uid ${l.uid ?? '?'}`).join(', ')}]` : '')]),
  );
  if (r.notes.length > 0) {
    out += `\nNotes (${r.notes.length}):\n`;
    for (const n of r.notes) out += `  ${n.kind}: ${n.input}${n.componentId ? ` ${n.componentId}` : ''}: ${n.message}${n.assumed ? ` — assumed: ${n.assumed}` : ''}\n`;
  }
  return out;
}

export function registerNetworkCommands(program: Command): void {
  const network = program.command('network').description('network reachability from the internet');
  network.command('analyze').description('analyse a directory of AWS CLI JSON (describe-instances.json, describe-security-groups.json, …) and/or a host\'s nft.json / iptables-save.txt / ip6tables-save.txt with listening.json')
    .argument('<dir>')
    .option('-f, --format <format>', `output format: ${FORMATS.join('|')}`, 'table')
    .option('-o, --output <file>', 'write the report to a file')
    .option('--host <name>', 'the host\'s name in host findings (default: listening.json\'s hostname, else "host")')
    .option('--exit-code <n>', 'exit with this code when there are findings')
    .action(async (dir: string, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AnalyzeOpts>();
      const format = opts.json ? 'json' : opts.format;
      if (!FORMATS.includes(format)) throw new VigilError('VIGIL_INVALID_INPUT', `--format ${JSON.stringify(format)}: must be one of ${FORMATS.join(', ')}`, { input: format, rule: 'format-name' });
      if (opts.exitCode !== undefined && !/^\d+$/.test(opts.exitCode)) throw new VigilError('VIGIL_CONFIG', `--exit-code ${JSON.stringify(opts.exitCode)}: must be a number`, { input: opts.exitCode, rule: 'exit-code' });
      const { analyzeDirectory } = await import('../detectors/network/index.ts');
      const result = await analyzeDirectory(dir, { hostName: opts.host });
      const text = format === 'json' ? JSON.stringify(result, null, 2) + '\n' : renderNetworkTable(result);
      if (opts.output) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(opts.output, text);
      } else if (!(opts.quiet && format === 'table')) process.stdout.write(text);
      if (opts.exitCode !== undefined && result.findings.length > 0) process.exitCode = Number(opts.exitCode);
    });
}
