/**
 * Test drivers for the protocol core: a host that records every effect, and
 * a tiny lossless in-memory network for a handful of cores on a virtual
 * clock. The full simulator lives in src/sim; these stay small so that core
 * unit tests read like the protocol they check.
 */
import { msgpackWireFormat } from '../../src/codec/index.js';
import { type ProtocolConfig, resolveConfig } from '../../src/core/config.js';
import { MeshCore, type MeshCoreOptions } from '../../src/core/core.js';
import type { Channel, CoreEvent, CoreHost } from '../../src/core/host.js';
import type { AliveMessage, Message, PingMessage, StateMessage } from '../../src/core/messages.js';
import { SeededRandom } from '../../src/core/random.js';
import type { MemberSnapshot } from '../../src/core/types.js';
import { fnv1a } from '../../src/core/utf8.js';

export interface SentPacket {
  readonly to: string;
  readonly messages: readonly Message[];
  readonly channel: Channel;
}

export class RecordingHost implements CoreHost {
  sent: SentPacket[] = [];
  timers: Array<{ atMs: number; token: number }> = [];
  syncs: Array<{ to: string; join: boolean }> = [];
  /** The state each sync carried, in the order of `syncs`. */
  syncRequests: StateMessage[] = [];
  events: CoreEvent[] = [];
  nowMs = 0;

  send(to: string, messages: readonly Message[], channel: Channel): void {
    this.sent.push({ to, messages: [...messages], channel });
  }
  /** Keeps `timers` in firing order (time, then token), so the runner never sorts. */
  schedule(delayMs: number, token: number): void {
    const timer = { atMs: this.nowMs + delayMs, token };
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.timers[middle] as { atMs: number; token: number };
      if (other.atMs < timer.atMs || (other.atMs === timer.atMs && other.token < timer.token))
        low = middle + 1;
      else high = middle;
    }
    this.timers.splice(low, 0, timer);
  }
  /** Tokens the core cancelled; like the runtime, this host drops them from `timers`. */
  cancelled: number[] = [];
  cancel(token: number): void {
    this.cancelled.push(token);
    const at = this.timers.findIndex((timer) => timer.token === token);
    if (at >= 0) this.timers.splice(at, 1);
  }
  sync(to: string, request: StateMessage): void {
    this.syncs.push({ to, join: request.join });
    this.syncRequests.push(request);
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
    this.syncRequests = [];
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
      wire: options.wire ?? msgpackWireFormat,
      random: options.random ?? new SeededRandom(1),
      host: this.host,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      ...(options.initialMembers === undefined ? {} : { initialMembers: options.initialMembers }),
      ...(options.incarnation === undefined ? {} : { incarnation: options.incarnation }),
      ...(options.joining === undefined ? {} : { joining: options.joining }),
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

  /**
   * When true, every datagram ping the core sends is answered at once with an
   * ack (the member is healthy), except pings to the ids in `silent`.
   */
  autoAck = false;
  readonly silent = new Set<string>();
  /** The viewId auto-acks from these ids echo (default: ours, a peer that agrees). */
  readonly ackViewIds = new Map<string, number>();

  /** Fires the earliest pending timer; false when none is pending. */
  step(): boolean {
    const next = this.host.timers.shift();
    if (next === undefined) return false;
    this.host.nowMs = next.atMs;
    const sentBefore = this.host.sent.length;
    this.core.handleTimer(next.token, next.atMs);
    if (this.autoAck) this.answerPings(sentBefore);
    return true;
  }

  private answerPings(from: number): void {
    const packets = this.host.sent.slice(from);
    for (const packet of packets) {
      if (packet.channel !== 'datagram') continue;
      for (const message of packet.messages) {
        if (message.type !== 'ping' || this.silent.has(message.targetId)) continue;
        const viewId = this.ackViewIds.get(message.targetId) ?? this.core.viewId;
        this.receive([{ type: 'ack', seq: message.seq, viewId }], packet.to);
      }
    }
  }

  /**
   * Fires timers in order until `found` holds (checked after each one) or
   * the next timer lies beyond `untilMs`. Returns whether `found` held.
   */
  advanceUntil(found: () => boolean, untilMs: number): boolean {
    for (let fired = 0; fired < 100_000; fired++) {
      if (found()) return true;
      const next = this.host.timers[0];
      if (next === undefined || next.atMs > untilMs) return found();
      this.step();
    }
    return found();
  }

  /** Fires every timer due up to `untilMs` in order, including ones they schedule. */
  advanceTo(untilMs: number): void {
    for (let fired = 0; fired < 100_000; fired++) {
      const next = this.host.timers[0];
      if (next === undefined || next.atMs > untilMs) break;
      this.step();
    }
    this.host.nowMs = untilMs;
  }

  /** Runs until the core sends its next probe; returns the ping, where it went and when. */
  nextProbe(untilMs = this.host.nowMs + 120_000): {
    ping: PingMessage;
    to: string;
    atMs: number;
    packet: SentPacket;
  } {
    const start = this.host.sent.length;
    const find = () =>
      this.host.sent
        .slice(start)
        .find((packet) =>
          packet.messages.some(
            (m) => m.type === 'ping' && m.fromId === this.core.id && packet.channel === 'datagram',
          ),
        );
    if (!this.advanceUntil(() => find() !== undefined, untilMs)) throw new Error('no probe was sent');
    const packet = find() as SentPacket;
    const ping = packet.messages.find((m) => m.type === 'ping') as PingMessage;
    return { ping, to: packet.to, atMs: this.host.nowMs, packet };
  }

  /** Packets sent since index `from` (see `mark`). */
  sentSince(from: number): SentPacket[] {
    return this.host.sent.slice(from);
  }

  mark(): number {
    return this.host.sent.length;
  }

  /**
   * Makes `id` dead the way a cluster does: a suspicion, confirmed by a
   * second member, held for
   * `leadMs` (half the minimum suspicion timeout: 2000 ms for the lan preset
   * under 10 members, 4 * 1 * 1000 / 2), then the death. A death about a
   * member held alive is only a suspicion, so tests that need a tombstone
   * from a message use this. Returns the time the death arrived.
   */
  declareDead(id: string, { incarnation = 0, fromId = 'z', viewDelayMs = 0, leadMs = 2000 } = {}): number {
    // An independent confirmation too: one accuser alone is never final.
    this.receive([
      { type: 'suspect', id, incarnation, fromId },
      { type: 'suspect', id, incarnation, fromId: `${fromId}-confirmer` },
    ]);
    this.advanceTo(this.host.nowMs + leadMs);
    this.receive([{ type: 'dead', id, incarnation, fromId, viewDelayMs }]);
    return this.host.nowMs;
  }

  /** Delivers a ping addressed to this core and returns the packet it answers with. */
  pingSelf(seq = 9000, from = '10.9.9.9:7946'): SentPacket | undefined {
    const before = this.host.sent.length;
    // Over the stream: the core piggybacks gossip on answers to any stream ping,
    // but on datagram answers only to members at their own address.
    this.receive(
      [{ type: 'ping', seq, targetId: this.core.id, fromId: 'prober', viewId: 0 }],
      from,
      'stream',
    );
    return this.host.sent.slice(before).find((packet) => packet.messages.some((m) => m.type === 'ack'));
  }
}

/**
 * The lan preset, trusting news of new members at once (verifyMembers
 * false), so that a test of another mechanism need not answer a
 * verification ping for every member it mentions; the admission tests and
 * the simulator run with verification on, as the preset does.
 */
export function testConfig(overrides: Partial<ProtocolConfig> = {}): ProtocolConfig {
  return resolveConfig({ verifyMembers: false, ...overrides }, 'lan');
}

/** A stable address for a test member: 24 bits of an FNV-1a hash of its id. */
export function addressFor(id: string): string {
  const hash = fnv1a(id);
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

/** A member's row in a full state: alive at incarnation 1, one thread, already in views. */
export function aliveRow(id: string): MemberSnapshot {
  return {
    id,
    address: addressFor(id),
    incarnation: 1,
    state: 'alive',
    threads: 1,
    metadata: {},
    viewDelayMs: 0,
  };
}

/** The answer to an exchange from `fromId`, naming `ids` alive (aliveRow). */
export function stateAnswer(fromId: string, ids: readonly string[]): StateMessage {
  return { type: 'state', join: false, fromId, members: ids.map(aliveRow) };
}

/** A node outside any cluster, with verification on, that has asked `seeds` to let it join. */
export function joiningThrough(
  seeds: readonly string[],
  incarnation?: number,
  config: Partial<ProtocolConfig> = {},
): SoloCore {
  const solo = new SoloCore({
    config: testConfig({ verifyMembers: true, ...config }),
    joining: true,
    ...(incarnation === undefined ? {} : { incarnation }),
  });
  solo.start(0);
  solo.core.join(seeds, 0);
  return solo;
}
