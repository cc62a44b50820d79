/**
 * The `meshnode` command line. Each subcommand lives in its own file and
 * exports a factory returning a commander Command; adding one is a line in
 * `subcommands`.
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { agentCommand } from './agent.js';
import { withUsageExit } from './command.js';
import { forceLeaveCommand, leaveCommand, tagsCommand } from './control-commands.js';
import { demoCommand } from './demo.js';
import { eventCommand } from './event-command.js';
import { keygenCommand, keysCommand } from './keys.js';
import { membersCommand } from './members.js';
import { monitorCommand } from './monitor.js';
import { simulateCommand } from './simulate.js';
import { statusCommand } from './status.js';
import { tokenCommand } from './token.js';

/** Factories of the subcommands, in the order `meshnode --help` lists them. */
export const subcommands: readonly (() => Command)[] = [
  agentCommand,
  statusCommand,
  membersCommand,
  monitorCommand,
  leaveCommand,
  forceLeaveCommand,
  tagsCommand,
  eventCommand,
  demoCommand,
  simulateCommand,
  tokenCommand,
  keygenCommand,
  keysCommand,
];

function packageVersion(): string {
  // dist/cli/main.js and src/cli/main.ts both sit two levels below package.json.
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('meshnode')
    .description('Peer-to-peer SWIM + Lifeguard membership mesh: sorted view and per-thread indices.')
    .version(packageVersion(), '-V, --version');
  for (const make of subcommands) program.addCommand(make());
  return withUsageExit(program);
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}
