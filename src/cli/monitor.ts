/**
 * `meshnode monitor`: streams a running agent's events as they happen, read
 * from its status API's server-sent-event stream (`/v1/events`): the same
 * lines `meshnode agent` prints, or with --json one JSON object per line
 * (the agent's --json line, its name in `type`). Runs until interrupted or
 * until the agent goes away.
 */
import { Command } from 'commander';
import { AgentClient, type ClientFlags, withClientFlags } from './agent-client.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { formatMemberEvent, formatRebalance, formatUserEvent, type MemberEventName } from './output.js';
import { printable, printableValue } from './terminal-text.js';
import { parseInteger, ValueError } from './values.js';

/** A data line longer than this is not an event of ours: the stream is dropped. */
const SSE_LINE_CHARS_MAX = 1 << 20;

interface MonitorFlags extends ClientFlags {
  json?: boolean;
  history?: string;
}

export function monitorCommand(): Command {
  const command = new Command('monitor')
    .summary("stream a running agent's events as they happen")
    .description(
      [
        "Stream a running agent's events (joins, failures, rebalances, settled, ...)",
        'from its /v1/events stream until interrupted or until the agent goes away.',
        'Exit codes: 0 ok (interrupted, or the agent left), 2 bad flags, 6 no agent answered.',
      ].join('\n'),
    )
    .option('--json', 'one JSON object per event, as the stream carries it')
    .option('--history <n>', 'first show the last n events the agent kept (default 0)');
  withClientFlags(command).action(async (flags: MonitorFlags) => {
    await runToExit('monitor', () => runMonitor(flags));
  });
  return withUsageExit(command);
}

/** Splits a server-sent-event stream into the JSON objects of its `data:` lines. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];

  /** Feeds text; returns the events it completed. Throws on a line over the limit. */
  push(text: string): unknown[] {
    this.buffer += text;
    const out: unknown[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\n');
      if (end < 0) break;
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      if (line === '') {
        if (this.data.length > 0) {
          try {
            out.push(JSON.parse(this.data.join('\n')));
          } catch {
            // Not one of ours: skipped.
          }
        }
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(5).replace(/^ /, ''));
      }
    }
    if (this.buffer.length > SSE_LINE_CHARS_MAX) throw new Error('event stream line over 1 MiB');
    return out;
  }
}

const MEMBER_EVENTS = new Set(['join', 'leave', 'fail', 'update', 'suspect', 'recover']);

/** One event as `meshnode agent` would print it for people. */
export function formatMonitorEvent(event: Readonly<Record<string, unknown>>): string {
  const type = String(event.type);
  const at = typeof event.ts === 'number' ? `${new Date(event.ts).toISOString().slice(11, 23)} ` : '';
  if (MEMBER_EVENTS.has(type)) {
    const member = {
      id: String(event.id),
      address: String(event.address),
      threads: Number(event.threads),
    };
    return `${at}${formatMemberEvent(type as MemberEventName, member)}`;
  }
  if (type === 'rebalance') {
    return `${at}${formatRebalance({
      index: Number(event.index),
      threads: Number(event.threads),
      total: Number(event.total),
    })}`;
  }
  if (type === 'resync')
    return `${at}meshnode: some events were missed; "meshnode members" shows the state now`;
  if (type === 'user') return `${at}meshnode: ${formatStreamUserEvent(event)}`;
  const { type: _type, ts: _ts, ...fields } = event;
  const detail = Object.entries(fields)
    .map(([key, value]) => `${printable(key)}=${printableValue(value)}`)
    .join(' ');
  return `${at}meshnode: ${printable(type)}${detail === '' ? '' : ` ${detail}`}`;
}

async function runMonitor(flags: MonitorFlags): Promise<number> {
  let history: number;
  try {
    history = flags.history === undefined ? 0 : parseInteger('--history', flags.history, 0, 10_000);
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    throw error;
  }
  const client = AgentClient.fromFlags(flags);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const response = await client.open(`/v1/events?history=${history}`, stop.signal);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
        if (typeof event !== 'object' || event === null) continue;
        const record = event as Record<string, unknown>;
        await writeOut(
          flags.json === true ? `${JSON.stringify(record)}\n` : `${formatMonitorEvent(record)}\n`,
        );
      }
    }
  } catch {
    // The agent closing mid-stream ("terminated") is how an agent that left ends it.
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (!stop.signal.aborted) process.stderr.write('meshnode monitor: the agent closed the stream\n');
  return ExitCode.ok;
}

/** A user event from the stream, as the agent prints it. */
function formatStreamUserEvent(event: Readonly<Record<string, unknown>>): string {
  const payloadBytes =
    typeof event.payloadBase64 === 'string'
      ? Buffer.from(event.payloadBase64, 'base64').length
      : Buffer.byteLength(typeof event.payload === 'string' ? event.payload : '');
  return formatUserEvent({ name: event.name, from: event.from, ltime: event.ltime, payloadBytes });
}
