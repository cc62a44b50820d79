/**
 * `meshnode event NAME [PAYLOAD]`: sends a cluster-wide user event through a
 * running agent's status API (POST /v1/agent/event, loopback and bearer
 * token rules as for the other state-changing commands). Every member's
 * agent prints it, streams it as a `user` event and runs the handlers
 * whose filters are `user` or `user:NAME`.
 */
import { Command } from 'commander';
import { userEventNameProblem } from '../core/user-events-rules.js';
import { AgentApiError, AgentClient, type ClientFlags, hasFields, withClientFlags } from './agent-client.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';

export function eventCommand(): Command {
  const command = new Command('event')
    .summary('send a user event to every member of the cluster')
    .description(
      [
        'Send a user event (like serf event) through a running agent: every live member,',
        'the agent included, hears it once; members that join later do not replay it.',
        'Handlers with the filter user or user:NAME run with the payload on stdin.',
        'The payload is text of at most userEventPayloadBytesMax bytes (default 512),',
        'and an agent sends at most userEventSendPerSecondMax events a second (default 10).',
        'Exit codes: 0 sent, 1 refused by the agent (too large, too fast), 2 bad arguments,',
        '3 bad token file, 6 no agent answered.',
      ].join('\n'),
    )
    .argument('<name>', 'the event name: 1..128 bytes, no whitespace or commas')
    .argument('[payload]', 'the payload text (default empty)')
    .option('--json', 'print the answer ({ name, ltime }) as JSON');
  withClientFlags(command).action(
    async (name: string, payload: string | undefined, flags: ClientFlags & { json?: boolean }) => {
      await runToExit('event', () => runEvent(name, payload ?? '', flags));
    },
  );
  return withUsageExit(command);
}

async function runEvent(
  name: string,
  payload: string,
  flags: ClientFlags & { json?: boolean },
): Promise<number> {
  const problem = userEventNameProblem(name);
  if (problem !== undefined) throw new UsageError(`the event name ${problem}`);
  const client = AgentClient.fromFlags(flags);
  let answer: { name: string; ltime: number };
  try {
    answer = await client.post('/v1/agent/event', { name, payload }, (body) =>
      hasFields(body, { name: 'string', ltime: 'number' }),
    );
  } catch (error) {
    if (error instanceof AgentApiError) throw new CliError(ExitCode.failure, `refused: ${error.message}`);
    throw error;
  }
  await writeOut(
    flags.json === true
      ? `${JSON.stringify(answer)}\n`
      : `meshnode: sent user event ${answer.name} (ltime ${answer.ltime})\n`,
  );
  return ExitCode.ok;
}
