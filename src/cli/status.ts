/**
 * `meshnode status`: asks a running agent's status API for its status and
 * members and prints Bib's `cluster status` shape: a summary line, then a
 * table (id, address, threads, index, state, rtt). --json prints both
 * documents as one JSON object.
 */
import { Command } from 'commander';
import { formatAddress } from '../core/address.js';
import type { MembersResponse, StatusResponse } from '../status/server.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import { formatStatusTable } from './output.js';
import { DEFAULT_HTTP } from './settings.js';
import { parseHostPort, parseInteger, ValueError } from './values.js';

export function statusCommand(): Command {
  const command = new Command('status')
    .summary("show a running agent's view of the cluster")
    .description(
      [
        "Show a running agent's view of the cluster (like Bib's cluster status):",
        'a summary line (members by state, total threads, settled, view id), then',
        'one row per member. Exit codes: 0 ok, 2 bad flags, 6 no agent answered.',
      ].join('\n'),
    )
    .option(
      '--http <host:port|port>',
      `the agent's status API (default ${formatAddress(DEFAULT_HTTP.host, DEFAULT_HTTP.port)})`,
    )
    .option('--json', 'print {"status": ..., "members": ...} as JSON')
    .option('--timeout <ms>', 'how long to wait for the agent (default 3000)')
    .action(async (options: { http?: string; json?: boolean; timeout?: string }) => {
      await runToExit('status', () => runStatus(options));
    });
  return withUsageExit(command);
}

export interface ClusterStatus {
  readonly status: StatusResponse;
  readonly members: MembersResponse;
}

/** Fetches /v1/status and /v1/members from an agent. Unreachable: CliError with the unreachable code. */
export async function fetchClusterStatus(base: string, timeoutMs: number): Promise<ClusterStatus> {
  const get = async <T>(path: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      const why = cause === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause;
      throw new CliError(
        ExitCode.unreachable,
        `no agent answered at ${base} (${why}); is "meshnode agent" running with --http at that address?`,
      );
    }
    if (!response.ok) {
      throw new CliError(
        ExitCode.unreachable,
        `${base}${path} answered HTTP ${response.status}: ${await response.text()}`,
      );
    }
    return (await response.json()) as T;
  };
  const [status, members] = await Promise.all([
    get<StatusResponse>('/v1/status'),
    get<MembersResponse>('/v1/members'),
  ]);
  return { status, members };
}

async function runStatus(options: { http?: string; json?: boolean; timeout?: string }): Promise<number> {
  let base: string;
  let timeoutMs: number;
  try {
    const target =
      options.http === undefined ? DEFAULT_HTTP : parseHostPort('--http', options.http, DEFAULT_HTTP.host);
    if (target.port === 0) throw new ValueError('--http needs the port the agent listens on');
    base = `http://${formatAddress(target.host, target.port)}`;
    timeoutMs = options.timeout === undefined ? 3000 : parseInteger('--timeout', options.timeout, 1, 600_000);
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    throw error;
  }
  const result = await fetchClusterStatus(base, timeoutMs);
  if (options.json === true) await writeOut(`${JSON.stringify(result, null, 2)}\n`);
  else await writeOut(`${formatStatusTable(result.status, result.members)}\n`);
  return ExitCode.ok;
}
