/**
 * A running 32-bit hash of everything observable in a run: every packet sent
 * (time, from, to, size), every core event and every lifecycle change. Two
 * runs of the same scenario and seed must end with the same hash; the
 * determinism test compares them. Optionally keeps the last few entries as
 * text to show where two runs part.
 */
import type { Channel, CoreEvent, MemberEventKind } from '../core/host.js';
import type { Message } from '../core/messages.js';
import type { MemberState } from '../core/types.js';
import { fnv1a } from '../core/utf8.js';
import type { LifecycleChange, SimListener } from './simulation.js';

const EVENT_CODES: Readonly<Record<CoreEvent['type'], number>> = {
  member: 1,
  view: 2,
  settled: 3,
  'leave-done': 4,
  refuted: 5,
  drop: 6,
  conflict: 7,
  'id-check': 8,
  'user-event': 9,
};

const KIND_CODES: Readonly<Record<MemberEventKind, number>> = {
  join: 1,
  update: 2,
  suspect: 3,
  'alive-again': 4,
  fail: 5,
  leave: 6,
  reap: 7,
};

const STATE_CODES: Readonly<Record<MemberState, number>> = { alive: 1, suspect: 2, dead: 3, left: 4 };

export class TraceHash implements SimListener {
  private h = 0x811c9dc5;
  /** Entries mixed in so far. */
  entries = 0;
  private readonly tail: string[] | undefined;
  private readonly tailMax: number;

  /** `keepTail`: how many recent entries to keep as text (0: none). */
  constructor(keepTail = 0) {
    this.tailMax = keepTail;
    this.tail = keepTail > 0 ? [] : undefined;
  }

  get value(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0');
  }

  /** The last entries as text (empty unless constructed with keepTail). */
  recent(): readonly string[] {
    return this.tail ?? [];
  }

  private mix(value: number): void {
    this.h = Math.imul(this.h ^ (value | 0), 0x01000193);
    this.h ^= this.h >>> 13;
  }

  private mixTime(now: number): void {
    const micros = Math.round(now * 1000);
    this.mix(micros % 0x1_0000_0000);
    this.mix(Math.floor(micros / 0x1_0000_0000));
  }

  private note(text: () => string): void {
    this.entries++;
    if (this.tail === undefined) return;
    this.tail.push(text());
    if (this.tail.length > this.tailMax) this.tail.shift();
  }

  packetSent(
    from: number,
    to: number,
    bytes: number,
    messages: readonly Message[],
    channel: Channel,
    now: number,
  ): void {
    this.mixTime(now);
    this.mix(from);
    this.mix(to);
    this.mix(bytes);
    this.mix(channel === 'stream' ? 1 : 0);
    this.note(
      () => `${now.toFixed(3)} send ${from}->${to} ${bytes}B ${messages.map((m) => m.type).join(',')}`,
    );
  }

  stateSent(from: number, to: number, bytes: number, members: number, reply: boolean, now: number): void {
    this.mixTime(now);
    this.mix(from);
    this.mix(to);
    this.mix(bytes);
    this.mix(members);
    this.mix(reply ? 1 : 0);
    this.note(() => `${now.toFixed(3)} state ${from}->${to} ${members} members`);
  }

  lifecycle(slot: number, change: LifecycleChange, now: number): void {
    this.mixTime(now);
    this.mix(slot);
    this.mix(fnv1a(change));
    this.note(() => `${now.toFixed(3)} ${change} ${slot}`);
  }

  coreEvent(slot: number, event: CoreEvent, now: number): void {
    this.mixTime(now);
    this.mix(slot);
    this.mix(EVENT_CODES[event.type]);
    switch (event.type) {
      case 'member':
        this.mix(KIND_CODES[event.kind]);
        this.mix(fnv1a(event.member.id));
        this.mix(event.member.incarnation);
        this.mix(STATE_CODES[event.member.state]);
        break;
      case 'view':
        this.mix(event.viewId);
        this.mix(event.total);
        break;
      case 'settled':
        this.mix(event.settled ? 1 : 0);
        this.mix(event.viewId);
        break;
      case 'refuted':
        this.mix(event.incarnation);
        break;
      case 'leave-done':
        this.mix(event.announced ? 1 : 0);
        break;
      case 'drop':
        this.mix(fnv1a(event.reason));
        break;
      case 'user-event':
        this.mix(fnv1a(event.fromId));
        this.mix(event.ltime);
        break;
      case 'conflict':
      case 'id-check':
        this.mix(fnv1a(event.address));
        break;
    }
    this.note(() => `${now.toFixed(3)} ${slot} ${JSON.stringify(event)}`);
  }
}
