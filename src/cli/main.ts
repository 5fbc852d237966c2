/**
 * The `vigil` command. Start-up stays cheap: the commands register here with their options only,
 * and each action imports its implementation (store, matching, sources, …) when it runs, so
 * `vigil --version` or `vigil --help` load little more than commander.
 */
import { Command, CommanderError } from 'commander';
import { VigilError } from '../model/errors.ts';
import { loadDbHelpDetails, registerDbCommands } from './db.ts';
import { registerScanCommands } from './scan.ts';
import { registerServerCommands, registerWorkerCommand } from './server.ts';
import { registerAgentCommand } from './agent.ts';
import { registerAdminCommands } from './admin.ts';
import { EXIT } from './exit.ts';

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Vigil: continuous vulnerability management')
    .version('0.1.0')
    .option('--home <dir>', 'home directory (env VIGIL_HOME; default ~/.local/share/vigil)')
    .option('--db <url>', 'database URL: a SQLite file path or postgres://… (env VIGIL_DATABASE_URL)')
    .option('--json', 'machine-readable output on stdout')
    .option('-q, --quiet', 'print only errors')
    .option('-v, --verbose', 'debug logs on stderr')
    .showHelpAfterError()
    .exitOverride();
  registerDbCommands(program);
  registerScanCommands(program);
  registerServerCommands(program);
  registerWorkerCommand(program);
  registerAgentCommand(program);
  registerAdminCommands(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    // help texts that name defaults living in lazily loaded modules
    if (argv.slice(2).some((a) => a === '--help' || a === '-h' || a === 'help')) await loadDbHelpDetails(program);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    if (err instanceof VigilError) {
      process.stderr.write(`vigil: ${err.message} [${err.code}]\n`);
      process.exitCode = err.code === 'VIGIL_NOT_FOUND' ? EXIT.NOT_FOUND : err.code === 'VIGIL_CONFIG' ? EXIT.USAGE : EXIT.ERROR;
      return;
    }
    process.stderr.write(`vigil: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = EXIT.ERROR;
  }
}
