/**
 * The `vigil` command. Start-up stays cheap: the commands register here with their options only,
 * and each action imports its implementation (store, matching, sources, …) when it runs, so
 * `vigil --version` or `vigil --help` load little more than commander.
 */
import { Command, CommanderError } from 'commander';
import { loadDbHelpDetails, registerDbCommands } from './db.ts';
import { registerScanCommands } from './scan.ts';
import { registerCisCommands } from './cis.ts';
import { registerServerCommands, registerWorkerCommand } from './server.ts';
import { registerAgentCommand } from './agent.ts';
import { registerAdminCommands } from './admin.ts';
import { registerNetworkCommands } from './network.ts';
import { registerGateCommand } from './gate.ts';
import { EXIT, describeError, exitCodeOf } from './exit.ts';

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
  registerCisCommands(program);
  registerServerCommands(program);
  registerWorkerCommand(program);
  registerAgentCommand(program);
  registerAdminCommands(program);
  registerNetworkCommands(program);
  registerGateCommand(program);
  return program;
}

/** -v / --verbose / VIGIL_LOG_LEVEL=debug|trace: stacks of unexpected errors are shown. */
function isVerbose(argv: readonly string[]): boolean {
  return argv.slice(2).some((a) => a === '-v' || a === '--verbose' || /^-[a-zA-Z]*v[a-zA-Z]*$/.test(a)) || /^(debug|trace)$/.test(process.env.VIGIL_LOG_LEVEL ?? '');
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram();
  const verbose = isVerbose(argv);
  // An error thrown outside the command's promise chain (a stream's late 'error', a timer) must
  // not reach the user as Node's stack dump either.
  const late = (err: unknown): void => {
    process.stderr.write(describeError(err, verbose));
    process.exit(exitCodeOf(err));
  };
  process.on('uncaughtException', late);
  process.on('unhandledRejection', late);
  try {
    // help texts that name defaults living in lazily loaded modules
    if (argv.slice(2).some((a) => a === '--help' || a === '-h' || a === 'help')) await loadDbHelpDetails(program);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    process.stderr.write(describeError(err, verbose));
    process.exitCode = exitCodeOf(err);
  }
}
