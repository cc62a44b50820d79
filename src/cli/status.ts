/**
 * `meshnode status`: asks a running agent's status API for its status and
 * members and prints Bib's `cluster status` shape: a summary line, then a
 * table (id, address, threads, index, state, rtt). --json prints both
 * documents as one JSON object.
 */
import { Command } from 'commander';
import type { MembersResponse, StatusResponse } from '../status/server.js';
import {
  AgentClient,
  type ClientFlags,
  looksLikeMembers,
  looksLikeStatus,
  withClientFlags,
} from './agent-client.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { ExitCode } from './exit-codes.js';
import { formatStatusTable } from './output.js';

export function statusCommand(): Command {
  const command = new Command('status')
    .summary("show a running agent's view of the cluster")
    .description(
      [
        "Show a running agent's view of the cluster (like Bib's cluster status):",
        'a summary line (members by state, total threads, settled, view id), then',
        'one row per member. Exit codes: 0 ok, 2 bad flags, 6 no agent answered',
        '(or what answered is not a meshnode agent).',
      ].join('\n'),
    )
    .option('--json', 'print {"status": ..., "members": ...} as JSON');
  withClientFlags(command).action(async (options: ClientFlags & { json?: boolean }) => {
    await runToExit('status', () => runStatus(options));
  });
  return withUsageExit(command);
}

export interface ClusterStatus {
  readonly status: StatusResponse;
  readonly members: MembersResponse;
}

/** Fetches /v1/status and /v1/members from an agent. Unreachable or not meshnode: exit code 6. */
export async function fetchClusterStatus(
  base: string | AgentClient,
  timeoutMs = 3000,
): Promise<ClusterStatus> {
  const client = typeof base === 'string' ? new AgentClient(base, timeoutMs) : base;
  const [status, members] = await Promise.all([
    client.get<StatusResponse>('/v1/status', looksLikeStatus),
    client.get<MembersResponse>('/v1/members', looksLikeMembers),
  ]);
  return { status, members };
}

async function runStatus(options: ClientFlags & { json?: boolean }): Promise<number> {
  const result = await fetchClusterStatus(AgentClient.fromFlags(options));
  if (options.json === true) await writeOut(`${JSON.stringify(result, null, 2)}\n`);
  else await writeOut(`${formatStatusTable(result.status, result.members)}\n`);
  return ExitCode.ok;
}
