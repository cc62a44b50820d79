/**
 * A tiny stand-in for MeshCore that records every input it gets, so the
 * simulator's plumbing (clock, queue, network, pauses, syncs, crashes) can be
 * tested without depending on protocol behaviour. It speaks real messages,
 * so the real codec carries them.
 */
import type { MeshCoreOptions } from '../../src/core/core.js';
import type { Channel, CoreHost } from '../../src/core/host.js';
import type { Message, StateMessage } from '../../src/core/messages.js';
import type { Member, MemberSnapshot, Metadata, View } from '../../src/core/types.js';
import type { CoreFactory, SimCore } from '../../src/sim/simulation.js';

export interface FakeOptions {
  /** Ping every known member every `tickMs` (0: never tick). */
  readonly tickMs?: number;
  /** Throw from handleTimer at this virtual time. */
  readonly throwAtMs?: number;
}

export class FakeCore implements SimCore {
  readonly id: string;
  readonly address: string;
  readonly log: string[] = [];
  readonly host: CoreHost;
  private readonly known = new Map<string, Member>();
  private isRunning = false;
  private left = false;
  private seq = 0;
  private token = 0;
  private readonly tickTokens = new Set<number>();
  private readonly options: FakeOptions;
  metadata: Metadata = {};
  incarnation = 0;

  constructor(core: MeshCoreOptions, options: FakeOptions) {
    this.id = core.id;
    this.address = core.address;
    this.host = core.host;
    this.options = options;
    for (const member of core.initialMembers ?? [])
      if (member.id !== this.id) this.known.set(member.id, member);
  }

  /** Schedules a timer and returns its token (tests call it to plant timers). */
  timer(delayMs: number): number {
    const token = ++this.token;
    this.host.schedule(delayMs, token);
    return token;
  }

  start(nowMs: number): void {
    this.isRunning = true;
    this.log.push(`${nowMs} start`);
    if ((this.options.tickMs ?? 0) > 0) this.tickTokens.add(this.timer(this.options.tickMs ?? 0));
  }

  join(seeds: readonly string[], nowMs: number): void {
    this.log.push(`${nowMs} join ${seeds.join(',')}`);
    for (const seed of seeds) this.host.sync(seed, this.localState(true));
  }

  handleMessages(messages: readonly Message[], from: string, channel: Channel, nowMs: number): void {
    for (const message of messages) {
      this.log.push(`${nowMs} ${message.type} from ${from}${channel === 'stream' ? ' (stream)' : ''}`);
      if (message.type === 'ping') {
        this.host.send(from, [{ type: 'ack', seq: message.seq, viewId: 0 }], channel);
      }
    }
  }

  handleTimer(token: number, nowMs: number): void {
    this.log.push(`${nowMs} timer ${token}`);
    if (this.options.throwAtMs !== undefined && nowMs >= this.options.throwAtMs)
      throw new Error('fake core exploded');
    if (this.tickTokens.delete(token)) {
      for (const member of this.known.values()) this.ping(member.address);
      this.tickTokens.add(this.timer(this.options.tickMs ?? 0));
    }
  }

  ping(address: string, channel: Channel = 'datagram'): void {
    this.seq++;
    this.host.send(
      address,
      [{ type: 'ping', seq: this.seq, targetId: 'x', fromId: this.id, viewId: 0 }],
      channel,
    );
  }

  answerState(state: StateMessage, from: string, nowMs: number): StateMessage | undefined {
    this.mergeState(state, from, nowMs);
    return this.localState(false);
  }

  handleSyncReply(state: StateMessage, from: string, nowMs: number): void {
    this.mergeState(state, from, nowMs);
  }

  private localState(join: boolean): StateMessage {
    const members: MemberSnapshot[] = [
      { ...this.self(), viewDelayMs: 0 },
      ...[...this.known.values()].map((m) => ({ ...m, viewDelayMs: 0 })),
    ];
    return { type: 'state', join, fromId: this.id, members };
  }

  private mergeState(state: StateMessage, from: string, nowMs: number): void {
    this.log.push(`${nowMs} state from ${from} (${state.members.length} members, join ${state.join})`);
    for (const member of state.members) {
      if (member.id === this.id || this.known.has(member.id)) continue;
      const { viewDelayMs: _ignored, ...plain } = member;
      this.known.set(member.id, plain);
      this.host.notify({ type: 'member', kind: 'join', member: plain });
    }
  }

  handleSyncFailed(to: string, join: boolean, nowMs: number): void {
    this.log.push(`${nowMs} sync failed ${to} join ${join}`);
  }

  setMetadata(metadata: Metadata, nowMs: number): void {
    this.metadata = metadata;
    this.incarnation++;
    this.log.push(`${nowMs} metadata`);
  }

  broadcast(name: string, _payload: Uint8Array, nowMs: number): number {
    this.log.push(`${nowMs} broadcast ${name}`);
    return 0;
  }

  leave(nowMs: number): void {
    this.left = true;
    this.log.push(`${nowMs} leave`);
    for (const member of this.known.values()) {
      this.host.send(
        member.address,
        [{ type: 'left', id: this.id, incarnation: 0, viewDelayMs: 0 }],
        'datagram',
      );
    }
    this.host.notify({ type: 'leave-done', announced: true });
  }

  stop(): void {
    this.isRunning = false;
    this.log.push('stop');
  }

  get running(): boolean {
    return this.isRunning;
  }

  get hasLeft(): boolean {
    return this.left;
  }

  private self(): Member {
    return {
      id: this.id,
      address: this.address,
      incarnation: this.incarnation,
      state: this.left ? 'left' : 'alive',
      threads: 1,
      metadata: this.metadata,
    };
  }

  members(): Member[] {
    return [this.self(), ...this.known.values()];
  }

  member(id: string): Member | undefined {
    return id === this.id ? this.self() : this.known.get(id);
  }

  view(): View {
    return { members: [{ id: this.id, threads: 1, index: 0 }], total: 1, viewId: 7 };
  }

  get viewId(): number {
    return 7;
  }

  get settled(): boolean {
    return false;
  }

  stats(): ReturnType<SimCore['stats']> {
    return {
      probes: 0,
      probesFailed: 0,
      indirectProbes: 0,
      nacksReceived: 0,
      suspicions: 0,
      refutations: 0,
      syncs: 0,
      syncsFailed: 0,
      idConflicts: 0,
      userEventsSent: 0,
      userEventsReceived: 0,
      userEventsDuplicate: 0,
      drops: {},
      awareness: 0,
      broadcastQueueLength: 0,
      members: this.known.size + 1,
    };
  }
}

/** A factory that keeps every core it made, newest last per id. */
export function fakeFactory(options: FakeOptions = {}): {
  factory: CoreFactory;
  cores: Map<string, FakeCore[]>;
} {
  const cores = new Map<string, FakeCore[]>();
  const factory: CoreFactory = (core) => {
    const fake = new FakeCore(core, options);
    const list = cores.get(core.id) ?? [];
    list.push(fake);
    cores.set(core.id, list);
    return fake;
  };
  return { factory, cores };
}
