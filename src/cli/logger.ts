/** The agent's pino logger: JSON lines on stderr only (stdout carries the events). */
import { pino } from 'pino';
import type { LogLevel } from './settings.js';

export type AgentLogger = pino.Logger;

export function createAgentLogger(level: LogLevel): AgentLogger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    // Synchronous: nothing is lost when the process exits right after a line.
    pino.destination({ dest: 2, sync: true }),
  );
}
