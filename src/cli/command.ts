/**
 * Shared plumbing of the meshnode subcommands: commander usage errors exit
 * with code 2 (help and --version with 0), and an action's CliError becomes
 * its message on stderr and its exit code.
 */
import type { Command, CommanderError } from 'commander';
import { CliError, ExitCode } from './exit-codes.js';

/** Makes commander's own errors (unknown flag, missing value) exit with the usage code. */
export function withUsageExit(command: Command): Command {
  const full = command.name() === 'meshnode' ? 'meshnode' : `meshnode ${command.name()}`;
  command.showHelpAfterError(`(run "${full} --help" for the flags)`);
  command.exitOverride((error: CommanderError) => {
    const benign =
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.help' ||
      error.code === 'commander.version';
    process.exit(benign ? ExitCode.ok : ExitCode.usage);
  });
  return command;
}

/** Writes to stdout and resolves once the data is handed to the OS (before process.exit). */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (!process.stdout.write(text, () => resolve())) process.stdout.once('drain', () => resolve());
  });
}

/** Runs an action to its exit code; CliErrors print "meshnode <cmd>: message" on stderr. */
export async function runToExit(name: string, action: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await action();
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`meshnode ${name}: ${error.message}\n`);
      if (error.exitCode === ExitCode.usage)
        process.stderr.write(`(run "meshnode ${name} --help" for the flags)\n`);
      code = error.exitCode;
    } else {
      process.stderr.write(
        `meshnode ${name}: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`,
      );
      code = ExitCode.failure;
    }
  }
  await writeOut('');
  process.exit(code);
}
