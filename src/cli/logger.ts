/**
 * The agent's pino logger, always on stderr (stdout carries the events).
 *
 * Two formats: JSON lines (for log collectors, and always with --json), or
 * one readable line per entry for a person at a terminal:
 *
 *   meshnode: warning: join attempt failed (attempt=1, seeds=127.0.0.1:7946, err=...)
 *
 * A person at a terminal sees warnings and errors by default: what the
 * agent does is already on stdout as events, and info logs would repeat it.
 */
import { pino } from 'pino';
import type { LogLevel } from './settings.js';
import { printable } from './terminal-text.js';

export type AgentLogger = pino.Logger;
export type LogFormat = 'json' | 'pretty';

/** Level numbers pino writes -> the word a person reads. */
const LEVEL_WORDS: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warning',
  50: 'error',
  60: 'fatal',
};
/** Fields every entry carries that a person does not need on each line. */
const HIDDEN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);
const VALUE_CHARS_MAX = 300;

/** One pino JSON line as a readable line, or the line itself when it is not JSON. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const word = LEVEL_WORDS[Number(entry.level)] ?? 'log';
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN_FIELDS.has(key))
    .map(([key, value]) => `${printable(key)}=${describe(value)}`);
  const detail = fields.length === 0 ? '' : ` (${fields.join(', ')})`;
  return `meshnode: ${word}: ${printable(String(entry.msg ?? ''))}${detail}\n`;
}

function describe(value: unknown): string {
  // pino serializes errors as { type, message, stack }: the message is what a person wants.
  if (typeof value === 'object' && value !== null && 'message' in value)
    return printable(String(value.message));
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  return printable(text.length > VALUE_CHARS_MAX ? `${text.slice(0, VALUE_CHARS_MAX)}...` : text);
}

export function createAgentLogger(level: LogLevel, format: LogFormat = 'json'): AgentLogger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'pretty') {
    // Synchronous writes as below, through the formatter.
    const destination = pino.destination({ dest: 2, sync: true });
    return pino(options, { write: (line: string) => destination.write(formatLogLine(line)) });
  }
  // Synchronous: nothing is lost when the process exits right after a line.
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

/**
 * The format and level the agent logs with: --log-format auto (the
 * default) is pretty in human mode on a terminal and JSON otherwise; pretty
 * without an explicit --log-level shows warnings and errors only.
 */
export function logSetup(options: {
  readonly format: 'auto' | LogFormat;
  readonly json: boolean;
  readonly level: LogLevel;
  readonly levelExplicit: boolean;
  readonly stderrIsTTY: boolean;
}): { format: LogFormat; level: LogLevel } {
  const format =
    options.format !== 'auto' ? options.format : !options.json && options.stderrIsTTY ? 'pretty' : 'json';
  const level = format === 'pretty' && !options.levelExplicit ? 'warn' : options.level;
  return { format, level };
}
