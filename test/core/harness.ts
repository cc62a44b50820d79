/**
 * Test drivers for the protocol core: a host that records every effect, and
 * a tiny lossless in-memory network for a handful of cores on a virtual
 * clock. The full simulator lives in src/sim; these stay small so that core
 * unit tests read like the protocol they check.
 */
import { type ProtocolConfig, resolveConfig } from '../../src/core/config.js';
import { MeshCore, type MeshCoreOptions } from '../../src/core/core.js';
import type { Channel, CoreEvent, CoreHost } from '../../src/core/host.js';
import type { AliveMessage, Message } from '../../src/core/messages.js';
import { SeededRandom } from '../../src/core/random.js';

export interface SentPacket {
  readonly to: string;
  readonly messages: readonly Message[];
  readonly channel: Channel;
}

export class RecordingHost implements CoreHost {
  sent: SentPacket[] = [];
  timers: Array<{ atMs: number; token: number }> = [];
  syncs: Array<{ to: string; join: boolean }> = [];
  events: CoreEvent[] = [];
  nowMs = 0;

  send(to: string, messages: readonly Message[], channel: Channel): void {
    this.sent.push({ to, messages: [...messages], channel });
  }
  schedule(delayMs: number, token: number): void {
    this.timers.push({ atMs: this.nowMs + delayMs, token });
  }
  sync(to: string, join: boolean): void {
    this.syncs.push({ to, join });
  }
  notify(event: CoreEvent): void {
    this.events.push(event);
  }

  /** Sent messages of one type, newest last. */
  messagesOfType<T extends Message['type']>(type: T): Array<Extract<Message, { type: T }> & { to: string }> {
    const found: Array<Extract<Message, { type: T }> & { to: string }> = [];
    for (const packet of this.sent) {
      for (const message of packet.messages) {
        if (message.type === type)
          found.push({ ...(message as Extract<Message, { type: T }>), to: packet.to });
      }
    }
    return found;
  }

  memberEvents(kind?: string): Array<Extract<CoreEvent, { type: 'member' }>> {
    return this.events.filter(
      (event): event is Extract<CoreEvent, { type: 'member' }> =>
        event.type === 'member' && (kind === undefined || event.kind === kind),
    );
  }

  clear(): void {
    this.sent = [];
    this.syncs = [];
    this.events = [];
  }
}

/** One core on a recording host, with a helper to fire its timers in time order. */
export class SoloCore {
  readonly host = new RecordingHost();
  readonly core: MeshCore;

  constructor(options: Partial<Omit<MeshCoreOptions, 'host'>> & { id?: string } = {}) {
    this.core = new MeshCore({
      id: options.id ?? 'self',
      address: options.address ?? '10.0.0.1:7946',
      config: options.config ?? testConfig(),
      random: options.random ?? new SeededRandom(1),
      host: this.host,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      ...(options.initialMembers === undefined ? {} : { initialMembers: options.initialMembers }),
      ...(options.incarnation === undefined ? {} : { incarnation: options.incarnation }),
    });
  }

  /** Starts the core at `atMs` (the host clock follows). */
  start(atMs = 0): this {
    this.host.nowMs = atMs;
    this.core.start(atMs);
    return this;
  }

  /** Delivers one decoded packet at the host's current time. */
  receive(messages: readonly Message[], from = '10.9.9.9:7946', channel: Channel = 'datagram'): void {
    this.core.handleMessages(messages, from, channel, this.host.nowMs);
  }

  /** Fires the earliest pending timer; false when none is pending. */
  step(): boolean {
    this.host.timers.sort((a, b) => a.atMs - b.atMs || a.token - b.token);
    const next = this.host.timers.shift();
    if (next === undefined) return false;
    this.host.nowMs = next.atMs;
    this.core.handleTimer(next.token, next.atMs);
    return true;
  }

  /**
   * Fires timers in order until `found` holds (checked after each one) or
   * the next timer lies beyond `untilMs`. Returns whether `found` held.
   */
  advanceUntil(found: () => boolean, untilMs: number): boolean {
    for (let fired = 0; fired < 100_000; fired++) {
      if (found()) return true;
      this.host.timers.sort((a, b) => a.atMs - b.atMs || a.token - b.token);
      const next = this.host.timers[0];
      if (next === undefined || next.atMs > untilMs) return found();
      this.step();
    }
    return found();
  }

  /** Fires every timer due up to `untilMs` in order, including ones they schedule. */
  advanceTo(untilMs: number): void {
    for (let fired = 0; fired < 100_000; fired++) {
      this.host.timers.sort((a, b) => a.atMs - b.atMs || a.token - b.token);
      const next = this.host.timers[0];
      if (next === undefined || next.atMs > untilMs) break;
      this.host.timers.shift();
      this.host.nowMs = next.atMs;
      this.core.handleTimer(next.token, next.atMs);
    }
    this.host.nowMs = untilMs;
  }
}

export function testConfig(overrides: Partial<ProtocolConfig> = {}): ProtocolConfig {
  return resolveConfig(overrides, 'lan');
}

/** A stable address for a test member: 24 bits of an FNV-1a hash of its id. */
export function addressFor(id: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(id)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return `10.${(hash >>> 16) & 0xff}.${(hash >>> 8) & 0xff}.${hash & 0xff}:7946`;
}

export function member(
  id: string,
  overrides: Partial<{ address: string; incarnation: number; threads: number }> = {},
) {
  return {
    id,
    address: overrides.address ?? addressFor(id),
    incarnation: overrides.incarnation ?? 0,
    state: 'alive' as const,
    threads: overrides.threads ?? 1,
    metadata: {},
  };
}

/** An alive message about `id` (defaults: incarnation 0, one thread, no metadata, applied at once). */
export function alive(id: string, overrides: Partial<Omit<AliveMessage, 'type' | 'id'>> = {}): AliveMessage {
  return {
    type: 'alive',
    id,
    address: overrides.address ?? member(id).address,
    incarnation: overrides.incarnation ?? 0,
    threads: overrides.threads ?? 1,
    metadata: overrides.metadata ?? {},
    viewDelayMs: overrides.viewDelayMs ?? 0,
  };
}

/** Every member of the table as an initial member, for a core that starts inside a formed cluster. */
export function members(...ids: string[]) {
  return ids.map((id) => member(id));
}
