/**
 * Prints an agent's events on stdout: libcluster's rebalance block and one
 * line per membership event for people, or one JSON object per line with
 * --json. Logs never come here (they go to stderr).
 */
import type { Indices, MemberInfo, UserEvent } from '../node/types.js';
import {
  formatMemberEvent,
  formatRebalance,
  formatUserEvent,
  indicesEvent,
  type MemberEventName,
  memberEvent,
  userEventFields,
} from './output.js';
import { printable } from './terminal-text.js';

export type Write = (text: string) => void;
/** Sees every event as its --json line object, in either mode (the status API's event stream). */
export type Observe = (line: Readonly<Record<string, unknown>>) => void;

export class EventPrinter {
  private readonly json: boolean;
  private readonly write: Write;
  private readonly observe: Observe;
  private last: { index: number; total: number } | undefined;

  constructor(
    json: boolean,
    write: Write = (text) => process.stdout.write(text),
    observe: Observe = () => {},
  ) {
    this.json = json;
    this.write = write;
    this.observe = observe;
  }

  /** Prints a rebalance unless index and total are what was printed last. */
  rebalance(indices: Indices): void {
    if (this.last !== undefined && this.last.index === indices.index && this.last.total === indices.total)
      return;
    this.last = { index: indices.index, total: indices.total };
    const line = indicesEvent('rebalance', indices);
    this.observe(line);
    if (this.json) this.line(line);
    else this.write(`${formatRebalance(indices)}\n`);
  }

  settled(indices: Indices): void {
    const line = indicesEvent('settled', indices);
    this.observe(line);
    if (this.json) this.line(line);
    else this.write(`meshnode: view settled (index ${indices.index} of ${indices.total})\n`);
  }

  unsettled(indices: Indices): void {
    const line = indicesEvent('unsettled', indices);
    this.observe(line);
    if (this.json) this.line(line);
    else this.write(`meshnode: view unsettled (index ${indices.index} of ${indices.total})\n`);
  }

  member(event: MemberEventName, member: MemberInfo): void {
    const line = memberEvent(event, member);
    this.observe(line);
    if (this.json) this.line(line);
    else this.write(`${formatMemberEvent(event, member)}\n`);
  }

  /** A user event: the `user` line event handlers and the status API's stream see. */
  userEvent(event: UserEvent): void {
    this.other(
      'user',
      userEventFields(event),
      formatUserEvent({ ...event, payloadBytes: event.payload.length }),
    );
  }

  /** Any other event: JSON as given, or the human text. */
  other(event: string, fields: Record<string, unknown>, human: string | undefined): void {
    const line = { event, ...fields, ts: Date.now() };
    this.observe(line);
    if (this.json) this.line(line);
    else if (human !== undefined) this.write(`meshnode: ${printable(human)}\n`);
  }

  private line(object: Record<string, unknown>): void {
    this.write(`${JSON.stringify(object)}\n`);
  }
}
