/**
 * The deterministic simulator: N real protocol cores on one virtual clock and
 * one timer queue, talking through the real codec over a seeded network model.
 *
 * Each node is a slot with a fixed id and address. A slot runs one core at a
 * time; a crash discards it, a restart builds a fresh one (same id, same
 * address, incarnation 0). Every callback a core makes goes through a host
 * bound to the slot's current life, so anything an old core might still do
 * after a crash is ignored.
 */
import type { ProtocolConfig } from '../core/config.js';
import { MeshCore, type MeshCoreOptions } from '../core/core.js';
import { MeshError } from '../core/errors.js';
import { syncTimeoutMs } from '../core/formulas.js';
import type { Channel, CoreEvent, CoreHost } from '../core/host.js';
import type { Message, SyncRequest } from '../core/messages.js';
import { SeededRandom } from '../core/random.js';
import type { Member, Metadata, RandomSource } from '../core/types.js';
import { Network, type NetworkOptions, type PartitionSpec } from './network.js';
import { EventQueue, type QueueEntry } from './queue.js';
import { rosterMemberStore } from './roster-member-store.js';
import { codecWire, type Wire } from './wire.js';

/** The part of MeshCore the simulator drives and inspects. */
export type SimCore = Pick<
  MeshCore,
  | 'id'
  | 'start'
  | 'join'
  | 'handleMessages'
  | 'handleTimer'
  | 'answerState'
  | 'handleSyncReply'
  | 'handleSyncFailed'
  | 'setMetadata'
  | 'broadcast'
  | 'leave'
  | 'stop'
  | 'running'
  | 'hasLeft'
  | 'members'
  | 'member'
  | 'view'
  | 'viewId'
  | 'settled'
  | 'incarnation'
  | 'stats'
>;

export type CoreFactory = (options: MeshCoreOptions) => SimCore;

/** `idle`: never started. `leaving`: leave() called, announcement going out. */
export type SlotStatus = 'idle' | 'running' | 'leaving' | 'left' | 'crashed';

/** What happened to a slot, as a SimListener hears it. */
export type LifecycleChange =
  | 'start'
  | 'crash'
  | 'pause'
  | 'resume'
  | 'slow'
  | 'recover'
  /** The slot's own link became lossy (`Simulation.nodeLoss`) ... */
  | 'lossy'
  /** ... and healthy again. */
  | 'lossless'
  | 'leave'
  | 'left'
  /** The core refused to join (its id is alive elsewhere) and stopped. */
  | 'refused'
  | 'partition'
  | 'heal';

/** Observers of a run: metrics collectors and invariant checkers. */
export interface SimListener {
  /** An event the core in `slot` emitted. */
  coreEvent?(slot: number, event: CoreEvent, now: number): void;
  /** A packet left `from` for slot `to` (-1: no node has that address), before the network decides its fate. */
  packetSent?(
    from: number,
    to: number,
    bytes: number,
    messages: readonly Message[],
    channel: Channel,
    now: number,
  ): void;
  /**
   * A state (full or partial) or a digest of `bytes` bytes (its exact encoded size, deflated, encoded or not) went from
   * `from` to `to` in a sync exchange; `reply` for the answer.
   */
  stateSent?(from: number, to: number, bytes: number, members: number, reply: boolean, now: number): void;
  /** A slot's lifecycle changed (for `partition` / `heal`, `slot` is -1). */
  lifecycle?(slot: number, change: LifecycleChange, now: number): void;
}

export interface SimulationOptions {
  /** Number of node slots; scenarios start some later (joins) and may leave some unused. */
  readonly nodes: number;
  readonly seed: number;
  readonly config: ProtocolConfig;
  readonly network: NetworkOptions;
  /** Thread count per slot (default 1). */
  readonly threads?: (slot: number) => number;
  /** Defaults to the real MeshCore. */
  readonly createCore?: CoreFactory;
  /** Defaults to the real codec. */
  readonly wire?: Wire;
  /** Round trip the states of sync exchanges through the codec (default true; costly at 10,000 nodes). */
  readonly encodeStates?: boolean;
  /** A sync exchange that has not completed after this long fails (default: the runtime's, syncTimeoutMs in core/formulas). */
  readonly syncTimeoutMs?: number;
  /** Datagrams a paused node buffers before dropping (a socket receive buffer; default 1000). */
  readonly pauseBufferPackets?: number;
  /** Names the run in error messages, e.g. "scenario crash, nodes 10". */
  readonly describe?: string;
  /** How to replay the run, printed with every failure. */
  readonly replay?: string;
}

/** An invariant broke, or a core threw. The message carries the seed and scenario. */
export class SimulationError extends MeshError {
  readonly seed: number;
  readonly timeMs: number;
  constructor(message: string, seed: number, timeMs: number, options?: { cause?: unknown }) {
    super('ERR_MESH_SIMULATION', message, options);
    this.seed = seed;
    this.timeMs = timeMs;
  }
}

const TIMER = 0;
const PACKET = 1;
const SYNC_REQUEST = 2;
const SYNC_REPLY = 3;
const SYNC_FAIL = 4;
const RESUME = 5;
const ACTION = 6;

interface SyncExchange {
  readonly initiator: number;
  readonly initiatorLife: number;
  readonly target: number;
  readonly targetAddress: string;
  readonly join: boolean;
  done: boolean;
  request: Uint8Array | SyncRequest | undefined;
  reply: Uint8Array | SyncRequest | undefined;
}

/** One monomorphic event shape for everything in the queue. */
class SimEvent implements QueueEntry {
  // Every field is set by reset(), from the constructor too, in one order: one shape.
  time!: number;
  kind!: number;
  slot!: number;
  life!: number;
  token!: number;
  from!: number;
  bytes!: Uint8Array | undefined;
  channel!: Channel;
  /** Already held back once by a slow node's input delay. */
  delayed!: boolean;
  sync!: SyncExchange | undefined;
  action!: (() => void) | undefined;

  constructor(time: number, kind: number, slot: number) {
    this.reset(time, kind, slot);
  }

  /** Sets every field as for a new event (also how SimEvents reuses a spent one). */
  reset(time: number, kind: number, slot: number): void {
    this.time = time;
    this.kind = kind;
    this.slot = slot;
    this.life = 0;
    this.token = 0;
    this.from = -1;
    this.bytes = undefined;
    this.channel = 'datagram';
    this.delayed = false;
    this.sync = undefined;
    this.action = undefined;
  }
}

/**
 * Spent timer and packet events, kept for reuse. Most events wait in the
 * queue for a gossip or probe period, long enough for the young generation
 * to copy them and often to promote them: reusing them took about a tenth
 * off a 10,000-node run. An event is handed back only once nothing holds it
 * (not while a paused node defers it or a slow one holds it back).
 */
class SimEvents {
  private readonly spare: SimEvent[] = [];

  take(time: number, kind: number, slot: number): SimEvent {
    const event = this.spare.pop();
    if (event === undefined) return new SimEvent(time, kind, slot);
    event.reset(time, kind, slot);
    return event;
  }

  /** `event` is out of the queue and nothing keeps it: its fields no longer hold on to anything. */
  give(event: SimEvent): void {
    event.bytes = undefined;
    event.sync = undefined;
    event.action = undefined;
    this.spare.push(event);
  }
}

/** Derives an independent 32-bit seed from the run seed and a few integers. */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x5bd1e995) >>> 0;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca77);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** Node ids sort in slot order: "n0000", "n0001", ... */
export function slotId(slot: number, nodes: number): string {
  return `n${String(slot).padStart(Math.max(4, String(nodes - 1).length), '0')}`;
}

/** A private, unique address per slot: 10.a.b.c:7946 with a.b.c = slot + 1. */
export function slotAddress(slot: number): string {
  const n = slot + 1;
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}:7946`;
}

/** One simulated node. */
export class Slot {
  readonly index: number;
  readonly id: string;
  readonly address: string;
  threads: number;
  status: SlotStatus = 'idle';
  core: SimCore | undefined;
  /** The id the current core runs under: the slot's own, or another slot's for an impostor. */
  coreId: string;
  /** Increments on every start, crash and final stop; events carry the life they belong to. */
  life = 0;
  /** How many cores this slot has run. */
  starts = 0;
  paused = false;
  /** While > 0 the node handles its input this many ms late (a slow node); timers stay on time. */
  inputDelayMs = 0;
  /** When the slow node's input queue drains: it handles input in arrival order. */
  inputBusyUntil = 0;
  /** Virtual time of the last crash (or -1). */
  crashedAt = -1;
  /** Virtual time at which the node last started (or -1). */
  startedAt = -1;
  deferredTimers: SimEvent[] = [];
  deferredInputs: SimEvent[] = [];
  constructor(index: number, id: string, address: string, threads: number) {
    this.index = index;
    this.id = id;
    this.coreId = id;
    this.address = address;
    this.threads = threads;
  }
  /** Running or leaving: the core processes input. */
  get active(): boolean {
    return this.status === 'running' || this.status === 'leaving';
  }
  /** A member every other node should hold alive: running and not on its way out. */
  get live(): boolean {
    return this.status === 'running';
  }
}

/** A partition as it happened: who was cut from whom, and when. */
export interface PartitionRecord {
  readonly id: number;
  readonly groupA: ReadonlySet<number>;
  /** Undefined: everyone not in group A. */
  readonly groupB: ReadonlySet<number> | undefined;
  readonly oneWay: boolean;
  readonly startMs: number;
  endMs: number | undefined;
}

/** Whether the partition cut `slot` off from anyone. */
export function partitionInvolves(record: PartitionRecord, slot: number): boolean {
  return record.groupA.has(slot) || record.groupB === undefined || record.groupB.has(slot);
}

/** Whether the partition put `a` and `b` on opposite sides (in either direction). */
export function partitionSeparates(record: PartitionRecord, a: number, b: number): boolean {
  const sideOf = (slot: number): number =>
    record.groupA.has(slot) ? 1 : record.groupB === undefined || record.groupB.has(slot) ? 2 : 0;
  const sa = sideOf(a);
  const sb = sideOf(b);
  return sa !== 0 && sb !== 0 && sa !== sb;
}

export interface StartOptions {
  /** Addresses handed to core.join (omitted: the node does not join anyone). */
  readonly seeds?: readonly string[];
  /** Members the core knows from the start (a formed cluster): MeshCoreOptions.initialMembers. */
  readonly initialMembers?: readonly Member[];
  readonly metadata?: Metadata;
  /** A new thread count for this life (a restart with another size); default: the slot's. */
  readonly threads?: number;
  /** Run the core under this id instead of the slot's (an impostor: another slot's id). */
  readonly id?: string;
}

export class Simulation {
  readonly options: SimulationOptions;
  readonly config: ProtocolConfig;
  readonly network: Network;
  readonly slots: readonly Slot[];
  /** Virtual time in milliseconds (fractional: LAN latencies are a fraction of a millisecond). */
  now = 0;
  /**
   * The time handed to the cores: whole milliseconds, as the runtime's clock
   * (Math.floor(performance.now())) gives them.
   */
  coreNow = 0;
  /** Events dispatched so far. */
  eventsProcessed = 0;
  /** Datagrams dropped because a paused node's buffer was full. */
  pauseOverflows = 0;
  /** Every partition started so far, healed ones included. */
  readonly partitions: PartitionRecord[] = [];
  private readonly queue = new EventQueue<SimEvent>();
  private readonly events = new SimEvents();
  private readonly slotByAddress = new Map<string, number>();
  private readonly listeners: SimListener[] = [];
  private readonly wire: Wire;
  private readonly createCore: CoreFactory;
  private readonly encodeStates: boolean;
  private readonly syncTimeoutMs: number;
  private readonly pauseBufferPackets: number;
  private readonly delays: number[] = [0, 0];

  constructor(options: SimulationOptions) {
    if (!Number.isInteger(options.nodes) || options.nodes < 1)
      throw new RangeError('nodes must be an integer >= 1');
    this.options = options;
    this.config = options.config;
    this.network = new Network(options.network, deriveSeed(options.seed, 0x6e6574), options.nodes);
    this.wire = options.wire ?? codecWire(options.config);
    this.createCore = options.createCore ?? ((o) => new MeshCore(o));
    this.encodeStates = options.encodeStates ?? true;
    this.syncTimeoutMs = options.syncTimeoutMs ?? syncTimeoutMs(options.config.probeIntervalMs);
    this.pauseBufferPackets = options.pauseBufferPackets ?? 1000;
    const slots: Slot[] = [];
    for (let i = 0; i < options.nodes; i++) {
      const slot = new Slot(i, slotId(i, options.nodes), slotAddress(i), options.threads?.(i) ?? 1);
      slots.push(slot);
      this.slotByAddress.set(slot.address, i);
    }
    this.slots = slots;
  }

  addListener(listener: SimListener): void {
    this.listeners.push(listener);
  }

  slot(index: number): Slot {
    const slot = this.slots[index];
    if (slot === undefined) throw new RangeError(`no slot ${index} (nodes: ${this.slots.length})`);
    return slot;
  }

  slotOfAddress(address: string): number {
    return this.slotByAddress.get(address) ?? -1;
  }

  /** Events waiting in the queue. */
  get pendingEvents(): number {
    return this.queue.size;
  }

  /** Throws a SimulationError naming the seed, the scenario and how to replay it. */
  fail(message: string, cause?: unknown): never {
    const where = this.options.describe === undefined ? '' : `, ${this.options.describe}`;
    const replay = this.options.replay === undefined ? '' : `\nreplay: ${this.options.replay}`;
    throw new SimulationError(
      `simulation failed at ${this.now.toFixed(3)} ms (seed ${this.options.seed}${where}): ${message}${replay}`,
      this.options.seed,
      this.now,
      cause === undefined ? undefined : { cause },
    );
  }

  // ---- scheduling ------------------------------------------------------

  /** Runs `action` at virtual time `timeMs` (not before now). */
  at(timeMs: number, action: () => void): void {
    const event = new SimEvent(Math.max(timeMs, this.now), ACTION, -1);
    event.action = action;
    this.queue.push(event);
  }

  /** Runs `action` every `periodMs`, starting one period from now, while it returns true. */
  every(periodMs: number, action: () => boolean | undefined): void {
    const tick = (): void => {
      if (action() !== false) this.at(this.now + periodMs, tick);
    };
    this.at(this.now + periodMs, tick);
  }

  /**
   * Processes every event due at or before `endMs`, then sets the clock to
   * `endMs`. `onProgress` is called every few thousand events.
   */
  runUntil(endMs: number, onProgress?: (now: number) => void): void {
    const queue = this.queue;
    let sinceProgress = 0;
    for (;;) {
      const next = queue.peek();
      if (next === undefined || next.time > endMs) break;
      queue.pop();
      this.now = next.time;
      this.coreNow = Math.floor(next.time);
      this.eventsProcessed++;
      this.dispatch(next);
      if (onProgress !== undefined && ++sinceProgress === 8192) {
        sinceProgress = 0;
        onProgress(this.now);
      }
    }
    if (endMs > this.now) {
      this.now = endMs;
      this.coreNow = Math.floor(endMs);
    }
  }

  private dispatch(event: SimEvent): void {
    switch (event.kind) {
      case TIMER:
        this.fireTimer(event);
        break;
      case PACKET:
        this.arrive(event);
        break;
      case SYNC_REQUEST:
        this.syncRequestArrives(event);
        break;
      case SYNC_REPLY:
        this.syncReplyArrives(event);
        break;
      case SYNC_FAIL:
        this.syncFails(event);
        break;
      case RESUME:
        this.resume(event);
        break;
      case ACTION:
        event.action?.();
        break;
    }
  }

  // ---- node lifecycle --------------------------------------------------

  /** Starts a fresh core in an idle, crashed or left slot (a restart keeps the id and address, incarnation 0). */
  start(index: number, options: StartOptions = {}): SimCore {
    const slot = this.slot(index);
    if (slot.active) this.fail(`start of ${slot.id}, which is already ${slot.status}`);
    slot.life++;
    slot.starts++;
    slot.paused = false;
    slot.deferredTimers = [];
    slot.deferredInputs = [];
    const life = slot.life;
    const random: RandomSource = new SeededRandom(deriveSeed(this.options.seed, index, slot.starts));
    if (options.threads !== undefined) slot.threads = options.threads;
    const core = this.guard(slot, 'constructor', () =>
      this.createCore({
        id: options.id ?? slot.id,
        address: slot.address,
        threads: slot.threads,
        // As the runtime does, a life starts at the clock: no restart reuses an earlier life's incarnations.
        incarnation: this.coreNow,
        // A node that joins through seeds is outside its own view until admitted.
        joining: options.seeds !== undefined && options.seeds.length > 0,
        config: this.config,
        wire: this.wire.format,
        random,
        host: this.hostFor(slot, life),
        ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
        ...(options.initialMembers === undefined ? {} : { initialMembers: options.initialMembers }),
        // Thousands of cores start from one initial-members array: they share it.
        memberStore: rosterMemberStore,
      }),
    );
    slot.core = core;
    slot.coreId = options.id ?? slot.id;
    slot.status = 'running';
    slot.startedAt = this.now;
    this.guard(slot, 'start', () => core.start(this.coreNow));
    for (const listener of this.listeners) listener.lifecycle?.(index, 'start', this.now);
    const seeds = options.seeds;
    if (seeds !== undefined) this.guard(slot, 'join', () => core.join(seeds, this.coreNow));
    return core;
  }

  /** Kills the node at once: no goodbye, its pending timers and buffered input vanish. */
  crash(index: number): void {
    const slot = this.slot(index);
    if (!slot.active) return;
    const core = slot.core;
    this.retire(slot, 'crashed');
    slot.crashedAt = this.now;
    core?.stop();
    for (const listener of this.listeners) listener.lifecycle?.(index, 'crash', this.now);
  }

  /** Graceful leave: the core announces it; the slot stops once the core reports `leave-done`. */
  leave(index: number): void {
    const slot = this.slot(index);
    if (slot.status !== 'running' || slot.core === undefined) return;
    const core = slot.core;
    slot.status = 'leaving';
    for (const listener of this.listeners) listener.lifecycle?.(index, 'leave', this.now);
    this.guard(slot, 'leave', () => core.leave(this.coreNow));
  }

  /**
   * The node processes nothing for `durationMs`: timers that fall due and
   * packets that arrive wait until it resumes. On resume the timers run
   * first, then the input, as in Node's event loop after a long block (its
   * timers phase precedes the poll phase): the case Lifeguard was built for.
   */
  pause(index: number, durationMs: number): void {
    const slot = this.slot(index);
    if (!slot.active || slot.paused) return;
    slot.paused = true;
    const event = new SimEvent(this.now + durationMs, RESUME, index);
    event.life = slot.life;
    this.queue.push(event);
    for (const listener of this.listeners) listener.lifecycle?.(index, 'pause', this.now);
  }

  /**
   * For `durationMs` the node handles every packet and sync message
   * `delayMs` after it arrives, in arrival order, while its timers fire on
   * time: an overloaded node that keeps probing but reads its acks late,
   * the case Lifeguard's local health awareness is for.
   */
  slow(index: number, delayMs: number, durationMs: number): void {
    const slot = this.slot(index);
    if (!slot.active || !(delayMs > 0)) return;
    const life = slot.life;
    slot.inputDelayMs = delayMs;
    for (const listener of this.listeners) listener.lifecycle?.(index, 'slow', this.now);
    this.at(this.now + durationMs, () => {
      if (slot.life !== life || slot.inputDelayMs === 0) return;
      slot.inputDelayMs = 0;
      for (const listener of this.listeners) listener.lifecycle?.(index, 'recover', this.now);
    });
  }

  /**
   * Makes the slot's own link lossy: every datagram to or from it is lost
   * with `probability` (on top of the network's loss) until set back to 0.
   */
  nodeLoss(index: number, probability: number): void {
    this.slot(index);
    this.network.setNodeLoss(index, probability);
    for (const listener of this.listeners)
      listener.lifecycle?.(index, probability > 0 ? 'lossy' : 'lossless', this.now);
  }

  setMetadata(index: number, metadata: Metadata): void {
    const slot = this.slot(index);
    const core = slot.core;
    if (!slot.active || core === undefined) return;
    this.guard(slot, 'setMetadata', () => core.setMetadata(metadata, this.coreNow));
  }

  /** The node sends a user event (see MeshCore.broadcast); nothing when it is not running. */
  broadcast(index: number, name: string, payload: Uint8Array): void {
    const slot = this.slot(index);
    const core = slot.core;
    if (!slot.active || core === undefined) return;
    this.guard(slot, 'broadcast', () => core.broadcast(name, payload, this.coreNow));
  }

  /** Starts a partition now; returns its id for `heal`. */
  partition(spec: PartitionSpec): number {
    const id = this.network.partition(spec);
    this.partitions.push({
      id,
      groupA: new Set(spec.groupA),
      groupB: spec.groupB === undefined ? undefined : new Set(spec.groupB),
      oneWay: spec.oneWay === true,
      startMs: this.now,
      endMs: undefined,
    });
    for (const listener of this.listeners) listener.lifecycle?.(-1, 'partition', this.now);
    return id;
  }

  heal(id?: number): void {
    this.network.heal(id);
    for (const record of this.partitions) {
      if (record.endMs === undefined && (id === undefined || record.id === id)) record.endMs = this.now;
    }
    for (const listener of this.listeners) listener.lifecycle?.(-1, 'heal', this.now);
  }

  private retire(slot: Slot, status: SlotStatus): void {
    slot.status = status;
    slot.life++;
    slot.core = undefined;
    slot.paused = false;
    slot.inputDelayMs = 0;
    slot.deferredTimers = [];
    slot.deferredInputs = [];
  }

  /** Holds input back on a slow node; true when the event was re-queued. */
  private holdBack(slot: Slot, event: SimEvent): boolean {
    if (slot.inputDelayMs === 0 || event.delayed) return false;
    const time = Math.max(this.now + slot.inputDelayMs, slot.inputBusyUntil);
    slot.inputBusyUntil = time;
    event.delayed = true;
    event.time = time;
    this.queue.push(event);
    return true;
  }

  private resume(event: SimEvent): void {
    const slot = this.slots[event.slot] as Slot;
    if (slot.life !== event.life || !slot.paused) return;
    slot.paused = false;
    const timers = slot.deferredTimers;
    const inputs = slot.deferredInputs;
    slot.deferredTimers = [];
    slot.deferredInputs = [];
    for (const listener of this.listeners) listener.lifecycle?.(event.slot, 'resume', this.now);
    for (const timer of timers) this.fireTimer(timer);
    for (const input of inputs) this.dispatch(input);
  }

  // ---- the host each core sees -----------------------------------------

  private hostFor(slot: Slot, life: number): CoreHost {
    return {
      send: (to, messages, channel) => {
        if (slot.life === life) this.send(slot, to, messages, channel);
      },
      schedule: (delayMs, token) => {
        if (slot.life !== life) return;
        if (!(delayMs >= 0) || !Number.isFinite(delayMs)) {
          this.fail(`${slot.id} scheduled timer ${token} with delay ${delayMs}`);
        }
        const event = this.events.take(this.now + delayMs, TIMER, slot.index);
        event.life = life;
        event.token = token;
        this.queue.push(event);
      },
      sync: (to, request) => {
        if (slot.life === life) this.startSync(slot, to, request);
      },
      notify: (event) => {
        if (slot.life !== life) return;
        for (const listener of this.listeners) listener.coreEvent?.(slot.index, event, this.now);
        if (event.type === 'id-check' && event.outcome === 'conflict') {
          // The core refused to join under a taken id and stopped; the process exits (the agent's exit 7).
          this.at(this.now, () => {
            if (slot.life !== life) return;
            this.retire(slot, 'left');
            for (const listener of this.listeners) listener.lifecycle?.(slot.index, 'refused', this.now);
          });
        }
        if (event.type === 'leave-done' && slot.status === 'leaving') {
          // Stop after the core has returned from the call that reported it.
          this.at(this.now, () => {
            if (slot.life !== life) return;
            const core = slot.core;
            this.retire(slot, 'left');
            core?.stop();
            for (const listener of this.listeners) listener.lifecycle?.(slot.index, 'left', this.now);
          });
        }
      },
    };
  }

  private guard<T>(slot: Slot, what: string, call: () => T): T {
    try {
      return call();
    } catch (error) {
      return this.coreThrew(slot, what, error);
    }
  }

  private coreThrew(slot: Slot, what: string, error: unknown): never {
    if (error instanceof SimulationError) throw error;
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return this.fail(`core of ${slot.id} threw in ${what}: ${text}`, error);
  }

  private fireTimer(event: SimEvent): void {
    const slot = this.slots[event.slot] as Slot;
    if (slot.life !== event.life) {
      this.events.give(event);
      return;
    }
    if (slot.paused) {
      slot.deferredTimers.push(event);
      return;
    }
    const core = slot.core as SimCore;
    const token = event.token;
    // Handed back first: the timer the core sets next can reuse it.
    this.events.give(event);
    try {
      core.handleTimer(token, this.coreNow);
    } catch (error) {
      this.coreThrew(slot, 'handleTimer', error);
    }
  }

  private send(slot: Slot, to: string, messages: readonly Message[], channel: Channel): void {
    if (messages.length === 0) this.fail(`${slot.id} sent an empty packet to ${to}`);
    const bytes = this.wire.encodePacket(messages);
    const from = slot.index;
    const target = this.slotByAddress.get(to) ?? -1;
    for (const listener of this.listeners)
      listener.packetSent?.(from, target, bytes.length, messages, channel, this.now);
    if (target < 0) return;
    const network = this.network;
    if (channel === 'stream') {
      // TCP: a partition in either direction stops the handshake; loss only
      // costs retransmission time. A new connection per probe: handshake + frame.
      if (network.separated(from, target)) return;
      const delay = network.streamDelayMs(from, target, true);
      this.queuePacket(this.now + delay, target, from, bytes, channel);
      return;
    }
    const copies = network.datagram(from, target, this.delays);
    for (let i = 0; i < copies; i++) {
      this.queuePacket(this.now + (this.delays[i] as number), target, from, bytes, channel);
    }
  }

  private queuePacket(time: number, target: number, from: number, bytes: Uint8Array, channel: Channel): void {
    const event = this.events.take(time, PACKET, target);
    event.from = from;
    event.bytes = bytes;
    event.channel = channel;
    this.queue.push(event);
  }

  private arrive(event: SimEvent): void {
    const slot = this.slots[event.slot] as Slot;
    const core = slot.core;
    if (!slot.active || core === undefined) {
      this.events.give(event);
      return;
    }
    if (slot.paused) {
      if (slot.deferredInputs.length >= this.pauseBufferPackets) {
        this.pauseOverflows++;
        this.events.give(event);
      } else slot.deferredInputs.push(event);
      return;
    }
    if (this.holdBack(slot, event)) return;
    const decoded = this.wire.decodePacket(event.bytes as Uint8Array);
    if (!decoded.ok) {
      this.fail(
        `the codec rejected a packet from ${this.slotName(event.from)} to ${slot.id}: ${decoded.reason}`,
      );
    }
    const from = (this.slots[event.from] as Slot).address;
    const channel = event.channel;
    this.events.give(event);
    const messages = decoded.value;
    try {
      core.handleMessages(messages, from, channel, this.coreNow);
    } catch (error) {
      this.coreThrew(slot, 'handleMessages', error);
    }
  }

  private slotName(index: number): string {
    return this.slots[index]?.id ?? `slot ${index}`;
  }

  // ---- full-state sync over a simulated reliable stream -------------------

  /**
   * The initiator's core hands over its request; the target's answerState
   * merges it and returns the reply; the initiator's handleSyncReply merges
   * that. The request pays a TCP handshake (three one-way delays), the
   * answer one. A target that is down refuses at once (one round trip); a
   * partition or a target that never answers runs into the sync timeout.
   */
  private startSync(slot: Slot, to: string, state: SyncRequest): void {
    const target = this.slotByAddress.get(to) ?? -1;
    const exchange: SyncExchange = {
      initiator: slot.index,
      initiatorLife: slot.life,
      target,
      targetAddress: to,
      join: state.join,
      done: false,
      request: undefined,
      reply: undefined,
    };
    const timeout = new SimEvent(this.now + this.syncTimeoutMs, SYNC_FAIL, slot.index);
    timeout.sync = exchange;
    this.queue.push(timeout);
    // Nobody there, or cut off: the connection never opens and the timeout reports it.
    if (target < 0 || this.network.separated(slot.index, target)) return;
    const targetSlot = this.slots[target] as Slot;
    if (!targetSlot.active) {
      // Host up, port closed: the connection is refused after one round trip.
      const refused = new SimEvent(
        this.now +
          this.network.streamDelayMs(slot.index, target, false) +
          this.network.streamDelayMs(target, slot.index, false),
        SYNC_FAIL,
        slot.index,
      );
      refused.sync = exchange;
      this.queue.push(refused);
      return;
    }
    exchange.request = this.packState(slot.index, target, state, false);
    const request = new SimEvent(
      this.now + this.network.streamDelayMs(slot.index, target, true),
      SYNC_REQUEST,
      target,
    );
    request.sync = exchange;
    this.queue.push(request);
  }

  private packState(from: number, to: number, state: SyncRequest, reply: boolean): Uint8Array | SyncRequest {
    const packed = this.encodeStates ? this.wire.encodeState(state) : state;
    const bytes = packed instanceof Uint8Array ? packed.length : this.wire.stateBytes(state);
    const rows = state.type === 'state' ? state.members.length : 0;
    for (const listener of this.listeners) listener.stateSent?.(from, to, bytes, rows, reply, this.now);
    return packed;
  }

  private unpackState(packed: Uint8Array | SyncRequest | undefined, from: number, to: number): SyncRequest {
    if (packed === undefined) return this.fail('internal: sync exchange without a state');
    if (!(packed instanceof Uint8Array)) return packed;
    const decoded = this.wire.decodeState(packed);
    if (!decoded.ok) {
      this.fail(
        `the codec rejected a state from ${this.slotName(from)} to ${this.slotName(to)}: ${decoded.reason}`,
      );
    }
    return decoded.value;
  }

  private syncRequestArrives(event: SimEvent): void {
    const exchange = event.sync as SyncExchange;
    if (exchange.done) return;
    const slot = this.slots[exchange.target] as Slot;
    const core = slot.core;
    if (!slot.active || core === undefined) return; // crashed meanwhile: the timeout reports it
    if (slot.paused) {
      slot.deferredInputs.push(event);
      return;
    }
    if (this.holdBack(slot, event)) return;
    const initiator = this.slots[exchange.initiator] as Slot;
    const state = this.unpackState(exchange.request, exchange.initiator, exchange.target);
    exchange.request = undefined; // the timeout event keeps the exchange alive: let the state go
    const answer = this.guard(slot, 'answerState', () =>
      core.answerState(state, initiator.address, this.coreNow),
    );
    // Merging may have made this node leave or stop: then no answer goes out.
    if (answer === undefined || slot.core === undefined || !slot.active) return;
    exchange.reply = this.packState(exchange.target, exchange.initiator, answer, true);
    if (this.network.separated(exchange.target, exchange.initiator)) return;
    const reply = new SimEvent(
      this.now + this.network.streamDelayMs(exchange.target, exchange.initiator, false),
      SYNC_REPLY,
      exchange.initiator,
    );
    reply.sync = exchange;
    this.queue.push(reply);
  }

  private syncReplyArrives(event: SimEvent): void {
    const exchange = event.sync as SyncExchange;
    const slot = this.slots[exchange.initiator] as Slot;
    if (exchange.done || slot.life !== exchange.initiatorLife) return;
    if (slot.paused) {
      slot.deferredInputs.push(event);
      return;
    }
    if (this.holdBack(slot, event)) return;
    exchange.done = true;
    const core = slot.core as SimCore;
    const state = this.unpackState(exchange.reply, exchange.target, exchange.initiator);
    exchange.reply = undefined;
    if (state.type !== 'state') this.fail(`${this.slotName(exchange.target)} answered a sync with a digest`);
    this.guard(slot, 'handleSyncReply', () =>
      core.handleSyncReply(state, exchange.targetAddress, this.coreNow),
    );
  }

  private syncFails(event: SimEvent): void {
    const exchange = event.sync as SyncExchange;
    const slot = this.slots[exchange.initiator] as Slot;
    if (exchange.done || slot.life !== exchange.initiatorLife) return;
    if (slot.paused) {
      slot.deferredInputs.push(event);
      return;
    }
    if (this.holdBack(slot, event)) return;
    exchange.done = true;
    const core = slot.core as SimCore;
    this.guard(slot, 'handleSyncFailed', () =>
      core.handleSyncFailed(exchange.targetAddress, exchange.join, this.coreNow),
    );
  }
}
