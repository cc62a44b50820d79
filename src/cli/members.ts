/**
 * `meshnode members`: Serf's `members` against a running agent: one row per
 * member with id, address, state, threads, index range, RTT and tags;
 * departed members (dead, left) the agent still remembers come after the
 * view. --status and --tag filter; --json prints the rows as a JSON array.
 */
import { Command } from 'commander';
import type { MemberJson, MembersResponse } from '../status/server.js';
import { AgentClient, type ClientFlags, looksLikeMembers, withClientFlags } from './agent-client.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { formatRtt, renderTable } from './output.js';
import { parseMetadata, ValueError } from './values.js';

const STATES = ['alive', 'suspect', 'dead', 'left'] as const;

interface MembersFlags extends ClientFlags {
  status?: string[];
  tag?: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function membersCommand(): Command {
  const command = new Command('members')
    .summary("list a running agent's members (like serf members)")
    .description(
      [
        'List the members a running agent knows: its view, then the departed members',
        'it still remembers. Exit codes: 0 ok, 2 bad flags, 6 no agent answered.',
      ].join('\n'),
    )
    .option(
      '--status <state>',
      'only members in this state: alive, suspect, dead or left (repeatable)',
      collect,
    )
    .option(
      '--tag <key=value>',
      'only members with this metadata entry (repeatable: all must match)',
      collect,
    )
    .option('--json', 'print the members as a JSON array');
  withClientFlags(command).action(async (flags: MembersFlags) => {
    await runToExit('members', () => runMembers(flags));
  });
  return withUsageExit(command);
}

export interface MemberFilter {
  readonly states: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

export function parseMemberFilter(flags: Pick<MembersFlags, 'status' | 'tag'>): MemberFilter {
  try {
    const states = (flags.status ?? []).flatMap((text) => text.split(',')).filter((s) => s !== '');
    for (const state of states) {
      if (!(STATES as readonly string[]).includes(state))
        throw new ValueError(`--status must be one of ${STATES.join(', ')}, got "${state}"`);
    }
    const tags = flags.tag === undefined ? {} : parseMetadata('--tag', flags.tag);
    return { states, tags };
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    throw error;
  }
}

export function filterMembers(response: MembersResponse, filter: MemberFilter): MemberJson[] {
  return [...response.members, ...response.departed].filter(
    (member) =>
      (filter.states.length === 0 || filter.states.includes(member.state)) &&
      Object.entries(filter.tags).every(([key, value]) => member.metadata[key] === value),
  );
}

/** "0-2" for three threads from index 0, "5" for one, "-" outside the view. */
export function formatIndexRange(index: number, threads: number): string {
  if (index < 0) return '-';
  return threads === 1 ? String(index) : `${index}-${index + threads - 1}`;
}

export function formatMembersTable(members: readonly MemberJson[]): string {
  const rows = members.map((m) => [
    m.self ? `${m.id} *` : m.id,
    m.address,
    m.state,
    String(m.threads),
    formatIndexRange(m.index, m.threads),
    m.self ? 'self' : m.state === 'dead' || m.state === 'left' ? '-' : formatRtt(m.rttMs),
    Object.entries(m.metadata)
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
  ]);
  return renderTable(['ID', 'ADDRESS', 'STATE', 'THREADS', 'INDEX', 'RTT', 'TAGS'], rows, [
    'left',
    'left',
    'left',
    'right',
    'right',
    'right',
    'left',
  ]);
}

async function runMembers(flags: MembersFlags): Promise<number> {
  const filter = parseMemberFilter(flags);
  const client = AgentClient.fromFlags(flags);
  const response = await client.get<MembersResponse>('/v1/members', looksLikeMembers);
  const members = filterMembers(response, filter);
  if (flags.json === true) await writeOut(`${JSON.stringify(members, null, 2)}\n`);
  else await writeOut(`${formatMembersTable(members)}\n`);
  return ExitCode.ok;
}
