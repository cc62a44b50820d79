/**
 * The commands that change a running agent through its status API:
 *
 *   meshnode leave              the agent leaves gracefully and exits 0
 *   meshnode force-leave ID     a failed member is marked left (refused for a live one)
 *   meshnode tags --set k=v --delete k   changes the agent's metadata
 *
 * The agent answers these only to callers on its own host, with its bearer
 * token when it has one (see src/status/control.ts).
 */
import { Command } from 'commander';
import { AgentApiError, AgentClient, type ClientFlags, hasFields, withClientFlags } from './agent-client.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import { printable } from './terminal-text.js';
import { parseInteger, parseMetadata, ValueError } from './values.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
const EXIT_NOTE =
  'Exit codes: 0 ok, 1 refused by the agent, 2 bad flags, 3 bad token file, 6 no agent answered.';
/** Period of the check whether a leaving agent is gone. */
const LEAVE_POLL_MS = 200;

export function leaveCommand(): Command {
  const command = new Command('leave')
    .summary('make a running agent leave the cluster gracefully and exit')
    .description(
      `Ask a running agent to leave gracefully (its peers learn at once) and exit 0;\nwaits until it is gone. ${EXIT_NOTE}`,
    )
    .option('--wait <ms>', 'how long to wait for the agent to be gone (default 25000; 0: do not wait)');
  withClientFlags(command).action(async (flags: ClientFlags & { wait?: string }) => {
    await runToExit('leave', () => runLeave(flags));
  });
  return withUsageExit(command);
}

export function forceLeaveCommand(): Command {
  const command = new Command('force-leave')
    .summary('mark a failed member as left, so no member tries to reconnect to it')
    .description(
      [
        'Mark a failed (dead) member as left, like serf force-leave: the verdict spreads',
        'to every member, which then stop trying to reconnect to it, and its tombstone is',
        'reaped on the usual schedule. Refused for a member that is alive or suspect.',
        EXIT_NOTE,
      ].join('\n'),
    )
    .argument('<id>', 'the member id');
  withClientFlags(command).action(async (id: string, flags: ClientFlags & { json?: boolean }) => {
    await runToExit('force-leave', () => runForceLeave(id, flags));
  });
  return withUsageExit(command);
}

export function tagsCommand(): Command {
  const command = new Command('tags')
    .summary("change a running agent's metadata (tags)")
    .description(
      [
        "Set and delete entries of a running agent's metadata; the change spreads to",
        'every member as an update. A reload (SIGHUP) or a restart goes back to the',
        'metadata of the flags and config file: put lasting tags there.',
        EXIT_NOTE,
      ].join('\n'),
    )
    .option('--set <key=value>', 'set an entry (repeatable)', collect)
    .option('--delete <key>', 'delete an entry (repeatable)', collect)
    .option('--json', 'print the metadata now published as JSON');
  withClientFlags(command).action(
    async (flags: ClientFlags & { set?: string[]; delete?: string[]; json?: boolean }) => {
      await runToExit('tags', () => runTags(flags));
    },
  );
  return withUsageExit(command);
}

async function runLeave(flags: ClientFlags & { wait?: string }): Promise<number> {
  let waitMs: number;
  try {
    waitMs = flags.wait === undefined ? 25_000 : parseInteger('--wait', flags.wait, 0, 600_000);
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    throw error;
  }
  const client = AgentClient.fromFlags(flags);
  await client.post('/v1/agent/leave', {}, (body) => hasFields(body, { leaving: 'boolean' }));
  await writeOut(`meshnode: the agent at ${client.base} is leaving the cluster\n`);
  if (waitMs === 0) return ExitCode.ok;
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!(await stillServing(client))) {
      await writeOut('meshnode: the agent left and exited\n');
      return ExitCode.ok;
    }
    await new Promise((resolve) => setTimeout(resolve, LEAVE_POLL_MS));
  }
  throw new CliError(ExitCode.failure, `the agent was still up ${waitMs} ms after it was asked to leave`);
}

/** True while the agent's status API still answers /healthz with a running agent. */
async function stillServing(client: AgentClient): Promise<boolean> {
  try {
    const response = await fetch(`${client.base}/healthz`, { signal: AbortSignal.timeout(client.timeoutMs) });
    await response.body?.cancel();
    // 503 means leaving or left: the API closes right after the leave, so keep watching.
    return true;
  } catch {
    return false;
  }
}

async function runForceLeave(id: string, flags: ClientFlags): Promise<number> {
  const client = AgentClient.fromFlags(flags);
  let answer: { id: string; left: boolean };
  try {
    answer = await client.post('/v1/agent/force-leave', { id }, (body) =>
      hasFields(body, { id: 'string', left: 'boolean' }),
    );
  } catch (error) {
    if (error instanceof AgentApiError) throw new CliError(ExitCode.failure, `refused: ${error.message}`);
    throw error;
  }
  await writeOut(
    answer.left
      ? `meshnode: member ${id} is marked left; every member stops trying to reconnect to it\n`
      : `meshnode: member ${id} had already left\n`,
  );
  return ExitCode.ok;
}

async function runTags(
  flags: ClientFlags & { set?: string[]; delete?: string[]; json?: boolean },
): Promise<number> {
  let set: Record<string, string>;
  const remove = flags.delete ?? [];
  try {
    set = flags.set === undefined ? {} : parseMetadata('--set', flags.set);
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    throw error;
  }
  if (Object.keys(set).length === 0 && remove.length === 0)
    throw new UsageError('give at least one --set key=value or --delete key');
  const client = AgentClient.fromFlags(flags);
  let answer: { metadata: Record<string, string> };
  try {
    answer = await client.post('/v1/agent/tags', { set, delete: remove }, (body) =>
      hasFields(body, { metadata: 'object' }),
    );
  } catch (error) {
    if (error instanceof AgentApiError) throw new CliError(ExitCode.failure, `refused: ${error.message}`);
    throw error;
  }
  if (flags.json === true) {
    await writeOut(`${JSON.stringify(answer.metadata)}\n`);
  } else {
    const lines = Object.entries(answer.metadata).map(([key, value]) => printable(`${key}=${value}`));
    await writeOut(`${lines.length === 0 ? '(no metadata)' : lines.join('\n')}\n`);
  }
  return ExitCode.ok;
}
