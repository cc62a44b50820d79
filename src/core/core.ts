/**
 * The SWIM + Lifeguard protocol core: a state machine with no I/O. Hosts feed
 * it decoded messages, timer firings and commands together with the current
 * time; it answers through the CoreHost interface (send, schedule, sync,
 * notify). It never reads a clock and draws randomness only from the
 * RandomSource it is given, so a run replays exactly from its seed.
 */
import {
  ID_BYTES_MAX,
  METADATA_KEYS_MAX,
  THREADS_MAX,
  UINT32_MAX,
  VIEW_DELAY_MS_MAX,
} from '../codec/limits.js';
import { messageBytes, metadataBytes, packetBytes } from '../codec/sizes.js';
import { isValidAddress } from './address.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue, type QueuedUpdate } from './broadcast-queue.js';
import type { ProtocolConfig } from './config.js';
import { MetadataTooLargeError, StateError, ValidationError } from './errors.js';
import {
  expectedConfirmations,
  pushPullIntervalMs,
  retransmitLimit,
  suspicionTimeoutMinMs,
  viewDelayMs,
} from './formulas.js';
import type { Channel, CoreEvent, CoreHost, DropReason, MemberEventKind } from './host.js';
import type {
  AckMessage,
  AliveMessage,
  Message,
  NackMessage,
  PingMessage,
  PingReqMessage,
  StateMessage,
  UpdateMessage,
} from './messages.js';
import { isInView, judgeUpdate } from './precedence.js';
import { ProbeOrder } from './probe-order.js';
import { randomInt, sampleDistinct } from './random.js';
import { Suspicion } from './suspicion.js';
import type { Member, MemberSnapshot, MemberState, Metadata, RandomSource, View } from './types.js';
import { sortView, viewShare } from './view.js';
import { ViewSchedule } from './view-schedule.js';

export interface MeshCoreOptions {
  readonly id: string;
  /** The address other members should send to (the advertise address). */
  readonly address: string;
  /** Default 1. */
  readonly threads?: number;
  readonly metadata?: Metadata;
  /** Starting incarnation; default 0. A restarted node refutes upward on its own. */
  readonly incarnation?: number;
  /**
   * Members known before any message (a view file, or a simulation that
   * starts from a formed cluster). They enter the table and the view at
   * start() as alive, without join events.
   */
  readonly initialMembers?: readonly Member[];
  readonly config: ProtocolConfig;
  readonly random: RandomSource;
  readonly host: CoreHost;
}

export interface CoreStats {
  readonly probes: number;
  readonly probesFailed: number;
  readonly indirectProbes: number;
  readonly nacksReceived: number;
  readonly suspicions: number;
  readonly refutations: number;
  readonly syncs: number;
  readonly syncsFailed: number;
  readonly drops: Readonly<Record<string, number>>;
  /** Lifeguard local health score, 0 = healthy. */
  readonly awareness: number;
  readonly broadcastQueueLength: number;
  readonly members: number;
}

interface MemberRecord {
  readonly id: string;
  address: string;
  incarnation: number;
  state: MemberState;
  threads: number;
  metadata: Metadata;
  stateChangedAtMs: number;
  suspicion: Suspicion | undefined;
  /** Token of the suspicion timer that may still declare this member dead. */
  suspicionToken: number;
  /** Threads this member has in the applied view; 0 when outside it. */
  viewThreads: number;
  rttMs: number | undefined;
  /** Position in `others`, for O(1) removal; -1 for this node. */
  slot: number;
}

type TimerAction =
  | { readonly kind: 'probe-tick' }
  | { readonly kind: 'probe-timeout'; readonly seq: number }
  | { readonly kind: 'probe-end'; readonly seq: number }
  | { readonly kind: 'relay-timeout'; readonly seq: number }
  | { readonly kind: 'gossip' }
  | { readonly kind: 'push-pull' }
  | { readonly kind: 'reap' }
  | { readonly kind: 'suspicion'; readonly id: string }
  | { readonly kind: 'view' }
  | { readonly kind: 'settle' }
  | { readonly kind: 'leave-timeout' };

interface ActiveProbe {
  readonly seq: number;
  readonly targetId: string;
  readonly sentAtMs: number;
  acked: boolean;
  indirect: boolean;
  nacksExpected: number;
  nacksReceived: number;
}

interface Relay {
  readonly requester: string;
  readonly requesterSeq: number;
  readonly channel: Channel;
}

/** Messages in one packet at most (the decoder's default limit is 256). */
const MESSAGES_PER_PACKET_MAX = 200;
/** Indirect probes relayed for others at once; more are dropped and counted. */
const RELAYS_MAX = 256;
/** Weight of a new RTT sample in the smoothed RTT. */
const RTT_SMOOTHING = 0.2;

export class MeshCore {
  readonly id: string;
  private readonly config: ProtocolConfig;
  private readonly random: RandomSource;
  private readonly host: CoreHost;
  private readonly self: MemberRecord;
  private readonly records = new Map<string, MemberRecord>();
  /** Every member but this node, for uniform random picks. */
  private readonly others: MemberRecord[] = [];
  /** Dead and left members, scanned when reaping. */
  private readonly tombstones = new Set<string>();
  private readonly timers = new Map<number, TimerAction>();
  private readonly relays = new Map<number, Relay>();
  private readonly broadcasts: BroadcastQueue;
  private readonly awareness: Awareness;
  private readonly probeOrder: ProbeOrder;
  private readonly viewSchedule = new ViewSchedule();
  private readonly initialMembers: readonly Member[];

  private nowMs = 0;
  private nextToken = 0;
  private seq = 0;
  private isRunning = false;
  private stopped = false;
  private leaving = false;
  private leaveReported = false;
  /** True from join() until a seed's state admits this node. */
  private awaitingAdmission = false;
  private activeProbe: ActiveProbe | undefined;
  /** Alive plus suspect members, this node included: the N of the formulas. */
  private liveCount = 1;
  private suspectCount = 0;
  private viewDigest = 0;
  private viewTotal = 0;
  private viewCache: View | undefined;
  private viewTimerAtMs = Number.POSITIVE_INFINITY;
  private lastViewChangeAtMs = 0;
  private lastMismatchAtMs = Number.NEGATIVE_INFINITY;
  private settleTimerAtMs = Number.NEGATIVE_INFINITY;
  private viewChangedInInput = false;
  private isSettled = false;

  private readonly counters = {
    probes: 0,
    probesFailed: 0,
    indirectProbes: 0,
    nacksReceived: 0,
    suspicions: 0,
    refutations: 0,
    syncs: 0,
    syncsFailed: 0,
  };
  private readonly drops: Record<string, number> = {};

  constructor(options: MeshCoreOptions) {
    validateId(options.id, 'id');
    if (!isValidAddress(options.address)) {
      throw new ValidationError(`address "${options.address}" is not host:port`);
    }
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > THREADS_MAX) {
      throw new ValidationError(`threads must be an integer from 1 to ${THREADS_MAX}, got ${threads}`);
    }
    const incarnation = options.incarnation ?? 0;
    if (!Number.isInteger(incarnation) || incarnation < 0 || incarnation >= UINT32_MAX) {
      throw new ValidationError(`incarnation must be an integer from 0 to ${UINT32_MAX - 1}`);
    }
    this.config = options.config;
    const metadata = checkMetadata(options.metadata ?? {}, this.config.metadataBytesMax);
    this.id = options.id;
    this.random = options.random;
    this.host = options.host;
    this.broadcasts = new BroadcastQueue(this.config.membersMax + 1);
    this.awareness = new Awareness(this.config.awarenessMaxMultiplier);
    this.probeOrder = new ProbeOrder(this.random);
    this.initialMembers = options.initialMembers ?? [];
    this.self = {
      id: options.id,
      address: options.address,
      incarnation,
      state: 'alive',
      threads,
      metadata,
      stateChangedAtMs: 0,
      suspicion: undefined,
      suspicionToken: 0,
      viewThreads: 0,
      rttMs: undefined,
      slot: -1,
    };
    this.records.set(this.id, this.self);
    this.setViewThreads(this.self, threads);
  }

  // ---------------------------------------------------------------- commands

  /** Begins probing, gossip, push-pull and reaping. */
  start(nowMs: number): void {
    if (this.isRunning || this.stopped) return;
    this.isRunning = true;
    this.nowMs = nowMs;
    this.lastViewChangeAtMs = nowMs;
    this.self.stateChangedAtMs = nowMs;
    for (const member of this.initialMembers) this.adoptInitialMember(member);
    this.viewCache = undefined;
    // Random offsets keep a cluster started at one instant from probing in lockstep.
    this.schedule(randomInt(this.random, this.config.probeIntervalMs) + 1, { kind: 'probe-tick' });
    this.schedule(randomInt(this.random, this.config.gossipIntervalMs) + 1, { kind: 'gossip' });
    if (this.config.pushPullIntervalMs > 0) {
      this.schedule(this.jittered(this.config.pushPullIntervalMs), { kind: 'push-pull' });
    }
    this.schedule(this.reapIntervalMs(), { kind: 'reap' });
    this.finishInput();
  }

  /** Asks the host to exchange full state with each seed (a join). */
  join(seeds: readonly string[], nowMs: number): void {
    if (!this.acceptsInput()) return;
    this.nowMs = nowMs;
    for (const seed of seeds) {
      if (!isValidAddress(seed)) throw new ValidationError(`seed "${seed}" is not host:port`);
    }
    this.awaitingAdmission = seeds.length > 0;
    for (const seed of seeds) {
      this.counters.syncs++;
      this.host.sync(seed, true);
    }
    this.finishInput();
  }

  /** Feeds one decoded packet. Updates are applied before probes are answered. */
  handleMessages(messages: readonly Message[], from: string, channel: Channel, nowMs: number): void {
    if (!this.acceptsInput()) return;
    this.nowMs = nowMs;
    for (const message of messages) {
      switch (message.type) {
        case 'alive':
          this.applyAlive(message, message.viewDelayMs);
          break;
        case 'suspect':
          this.applySuspect(message.id, message.incarnation, message.fromId);
          break;
        case 'dead':
          this.applyDeparture(message.id, 'dead', message.incarnation, message.viewDelayMs);
          break;
        case 'left':
          this.applyDeparture(message.id, 'left', message.incarnation, message.viewDelayMs);
          break;
        default:
          break;
      }
    }
    for (const message of messages) {
      switch (message.type) {
        case 'ping':
          this.onPing(message, from, channel);
          break;
        case 'ack':
          this.onAck(message);
          break;
        case 'nack':
          this.onNack(message);
          break;
        case 'ping-req':
          this.onPingReq(message, from, channel);
          break;
        default:
          break;
      }
    }
    this.finishInput();
  }

  handleTimer(token: number, nowMs: number): void {
    if (!this.isRunning) return;
    const action = this.timers.get(token);
    if (action === undefined) return;
    this.timers.delete(token);
    this.nowMs = nowMs;
    switch (action.kind) {
      case 'probe-tick':
        this.onProbeTick();
        break;
      case 'probe-timeout':
        this.onProbeTimeout(action.seq);
        break;
      case 'probe-end':
        this.finishProbe(action.seq);
        break;
      case 'relay-timeout':
        this.onRelayTimeout(action.seq);
        break;
      case 'gossip':
        this.onGossipTick();
        break;
      case 'push-pull':
        this.onPushPullTick();
        break;
      case 'reap':
        this.onReapTick();
        break;
      case 'suspicion':
        this.onSuspicionTimeout(action.id, token);
        break;
      case 'view':
        this.viewTimerAtMs = Number.POSITIVE_INFINITY;
        this.applyDueViewChanges();
        break;
      case 'settle':
        this.settleTimerAtMs = Number.NEGATIVE_INFINITY;
        break;
      case 'leave-timeout':
        this.reportLeaveDone(false);
        break;
    }
    this.finishInput();
  }

  /**
   * This node's full state for a push-pull exchange. The receiver of an
   * exchange merges the remote state first, then answers with its own.
   */
  localState(join: boolean): StateMessage {
    const members: MemberSnapshot[] = [];
    for (const record of this.records.values()) {
      members.push({
        ...this.snapshot(record),
        viewDelayMs: this.viewSchedule.remainingMs(record.id, this.nowMs),
      });
    }
    return { type: 'state', join, fromId: this.id, members };
  }

  /** Merges a remote full state with the same precedence rules as gossip. */
  handleState(state: StateMessage, _from: string, nowMs: number): void {
    if (!this.acceptsInput()) return;
    this.nowMs = nowMs;
    // What the remote says about us goes first: on admission we step out of
    // our own view before the others step in, so the view never flickers.
    for (const snapshot of state.members) {
      if (snapshot.id === this.id) this.mergeSelfSnapshot(snapshot);
    }
    for (const snapshot of state.members) {
      if (snapshot.id === this.id) continue;
      switch (snapshot.state) {
        case 'alive': {
          // A joiner announces itself: the change starts here, with our own delay.
          const isJoiner = state.join && snapshot.id === state.fromId;
          this.applyAlive(snapshot, isJoiner ? this.freshViewDelayMs() : snapshot.viewDelayMs);
          break;
        }
        case 'suspect':
        case 'dead':
          // Remote deaths are only suspicions here: the member gets its chance to refute.
          this.applySuspect(snapshot.id, snapshot.incarnation, state.fromId);
          break;
        case 'left':
          this.applyDeparture(snapshot.id, 'left', snapshot.incarnation, snapshot.viewDelayMs);
          break;
      }
    }
    if (this.awaitingAdmission) {
      this.awaitingAdmission = false;
      // Announce ourselves too, so the news does not rest on the seed alone;
      // a refutation made while merging has queued that announcement already.
      const admissionAtMs = this.viewSchedule.get(this.id)?.atMs;
      if (admissionAtMs !== undefined) this.enqueueUpdate(this.aliveMessage(this.self), admissionAtMs);
    }
    this.finishInput();
  }

  handleSyncFailed(_to: string, join: boolean, nowMs: number): void {
    if (!this.acceptsInput()) return;
    this.nowMs = nowMs;
    this.counters.syncsFailed++;
    if (join) this.awaitingAdmission = false;
    this.finishInput();
  }

  /** Publishes new metadata under a higher incarnation. */
  setMetadata(metadata: Metadata, nowMs: number): void {
    if (!this.acceptsInput() || this.leaving) throw new StateError('the node has left or stopped');
    const checked = checkMetadata(metadata, this.config.metadataBytesMax);
    this.nowMs = nowMs;
    this.self.metadata = checked;
    this.self.incarnation++;
    this.enqueueUpdate(this.aliveMessage(this.self), 0);
  }

  /**
   * Graceful leave: tells up to `leaveFanout` members directly and gossips
   * the rest of the way. The host hears 'leave-done' once the announcement
   * has gone out, or after `leaveTimeoutMs`.
   */
  leave(nowMs: number): void {
    if (!this.acceptsInput()) return;
    this.nowMs = nowMs;
    this.leaving = true;
    this.setState(this.self, 'left');
    this.self.stateChangedAtMs = nowMs;
    this.activeProbe = undefined;
    const viewAtMs = nowMs + this.freshViewDelayMs();
    const announcement: UpdateMessage = {
      type: 'left',
      id: this.id,
      incarnation: this.self.incarnation,
      viewDelayMs: viewAtMs - nowMs,
    };
    this.enqueueUpdate(announcement, viewAtMs);
    this.wantInView(this.self, 0, nowMs);
    const live = (record: MemberRecord) => isInView(record.state);
    const targets = sampleDistinct(this.random, this.others, this.config.leaveFanout, live);
    for (const target of targets) this.host.send(target.address, [announcement], 'datagram');
    // We are out of liveCount already: it counts exactly the members to tell.
    if (targets.length >= this.liveCount) {
      this.reportLeaveDone(true);
    } else {
      this.schedule(this.config.leaveTimeoutMs, { kind: 'leave-timeout' });
    }
    this.finishInput();
  }

  /** Stops all processing: nothing more is sent, scheduled or notified. */
  stop(): void {
    this.isRunning = false;
    this.stopped = true;
    this.timers.clear();
    this.relays.clear();
  }

  // ----------------------------------------------------------------- queries

  get running(): boolean {
    return this.isRunning;
  }

  get hasLeft(): boolean {
    return this.leaving;
  }

  get incarnation(): number {
    return this.self.incarnation;
  }

  /** Every known member, this node and tombstones included. */
  members(): Member[] {
    return [...this.records.values()].map((record) => this.snapshot(record));
  }

  member(id: string): Member | undefined {
    const record = this.records.get(id);
    return record === undefined ? undefined : this.snapshot(record);
  }

  /** The applied sorted view: alive and suspect members by id in UTF-8 byte order. */
  view(): View {
    if (this.viewCache === undefined) {
      const entries: Array<[string, number]> = [];
      for (const record of this.records.values()) {
        if (record.viewThreads > 0) entries.push([record.id, record.viewThreads]);
      }
      this.viewCache = sortView(entries, this.viewDigest);
    }
    return this.viewCache;
  }

  get viewId(): number {
    return this.viewDigest;
  }

  get settled(): boolean {
    return this.isSettled;
  }

  /** Members whose view change is still waiting for its deadline. */
  get pendingViewChanges(): number {
    return this.viewSchedule.size;
  }

  stats(): CoreStats {
    return {
      ...this.counters,
      drops: { ...this.drops },
      awareness: this.awareness.health,
      broadcastQueueLength: this.broadcasts.length,
      members: this.records.size,
    };
  }

  /** Smoothed RTT to a member measured from direct acks, when known. */
  rttMs(id: string): number | undefined {
    return this.records.get(id)?.rttMs;
  }

  // ------------------------------------------------------- membership updates

  private applyAlive(update: Omit<AliveMessage, 'type' | 'viewDelayMs'>, delayMs: number): void {
    if (update.id === this.id) {
      this.hearAboutSelf('alive', update.incarnation);
      return;
    }
    const record = this.records.get(update.id);
    if (judgeUpdate(record, { state: 'alive', incarnation: update.incarnation }) !== 'apply') {
      if (record?.state === 'alive' && record.incarnation === update.incarnation) {
        // The same news by another path: its deadline may be the earlier one.
        this.wantInView(record, record.threads, this.nowMs + delayMs);
      }
      return;
    }
    let kind: MemberEventKind;
    let previous: Member | undefined;
    let target: MemberRecord;
    if (record === undefined) {
      if (this.records.size >= this.config.membersMax) {
        this.drop('members-max');
        return;
      }
      target = {
        id: update.id,
        address: update.address,
        incarnation: update.incarnation,
        state: 'alive',
        threads: update.threads,
        metadata: update.metadata,
        stateChangedAtMs: this.nowMs,
        suspicion: undefined,
        suspicionToken: 0,
        viewThreads: 0,
        rttMs: undefined,
        slot: this.others.length,
      };
      this.records.set(target.id, target);
      this.others.push(target);
      this.liveCount++;
      this.probeOrder.insert(target.id);
      kind = 'join';
    } else {
      target = record;
      previous = this.snapshot(record);
      const wasLive = isInView(record.state);
      kind = record.state === 'suspect' ? 'alive-again' : wasLive ? 'update' : 'join';
      record.address = update.address;
      record.incarnation = update.incarnation;
      record.threads = update.threads;
      record.metadata = update.metadata;
      record.suspicion = undefined;
      if (record.state !== 'alive') record.stateChangedAtMs = this.nowMs;
      this.setState(record, 'alive');
      if (!wasLive) this.probeOrder.insert(record.id);
    }
    this.wantInView(target, target.threads, this.nowMs + delayMs);
    this.enqueueUpdate(this.aliveMessage(target), this.viewSchedule.get(target.id)?.atMs ?? 0);
    this.emitMember(kind, target, previous);
  }

  private applySuspect(id: string, incarnation: number, fromId: string): void {
    if (id === this.id) {
      this.hearAboutSelf('suspect', incarnation);
      return;
    }
    const record = this.records.get(id);
    const verdict = judgeUpdate(record, { state: 'suspect', incarnation });
    if (record === undefined || verdict === 'ignore') return;
    if (verdict === 'confirm') {
      const suspicion = record.suspicion;
      if (suspicion !== undefined && suspicion.incarnation === incarnation && suspicion.confirm(fromId)) {
        this.scheduleSuspicionTimer(record, suspicion);
        // Lifeguard: a new independent confirmation is worth spreading.
        this.enqueueUpdate({ type: 'suspect', id, incarnation, fromId }, 0);
      }
      return;
    }
    const previous = this.snapshot(record);
    record.incarnation = incarnation;
    record.stateChangedAtMs = this.nowMs;
    this.setState(record, 'suspect');
    const minMs = suspicionTimeoutMinMs(
      this.config.suspicionMult,
      this.liveCount,
      this.config.probeIntervalMs,
    );
    const suspicion = new Suspicion(
      incarnation,
      fromId,
      this.nowMs,
      expectedConfirmations(this.config.suspicionMult, this.liveCount),
      minMs,
      minMs * this.config.suspicionMaxTimeoutMult,
    );
    record.suspicion = suspicion;
    this.scheduleSuspicionTimer(record, suspicion);
    this.counters.suspicions++;
    this.enqueueUpdate({ type: 'suspect', id, incarnation, fromId }, 0);
    this.emitMember('suspect', record, previous);
  }

  /** Dead (failure detected) or left (graceful): out of the view after the delay. */
  private applyDeparture(id: string, state: 'dead' | 'left', incarnation: number, delayMs: number): void {
    if (id === this.id) {
      this.hearAboutSelf(state, incarnation);
      return;
    }
    const record = this.records.get(id);
    if (record === undefined) return;
    const verdict = judgeUpdate(record, { state, incarnation });
    if (verdict === 'advance') record.incarnation = incarnation;
    if (verdict === 'ignore' && record.state === state && record.incarnation === incarnation) {
      // The same departure by another path (or declared by two nodes at
      // once): keep the earliest deadline, so all nodes apply it together.
      this.wantInView(record, 0, this.nowMs + delayMs);
    }
    if (verdict !== 'apply') return;
    const previous = this.snapshot(record);
    record.incarnation = incarnation;
    record.stateChangedAtMs = this.nowMs;
    record.suspicion = undefined;
    this.setState(record, state);
    const viewAtMs = this.nowMs + delayMs;
    this.wantInView(record, 0, viewAtMs);
    const atMs = this.viewSchedule.get(id)?.atMs ?? 0;
    const message: UpdateMessage =
      state === 'left'
        ? { type: 'left', id, incarnation, viewDelayMs: 0 }
        : { type: 'dead', id, incarnation, fromId: this.id, viewDelayMs: 0 };
    this.enqueueUpdate(message, atMs);
    this.emitMember(state === 'left' ? 'leave' : 'fail', record, previous);
  }

  /**
   * Someone talks about this node. Anything that contradicts our alive
   * record at our incarnation or above is refuted with a higher incarnation.
   */
  private hearAboutSelf(state: MemberState, incarnation: number): void {
    if (this.leaving || incarnation < this.self.incarnation) return;
    // An alive at our own incarnation is our announcement echoed back (or a
    // same-incarnation clash that refuting would turn into an incarnation war).
    if (state === 'alive' && incarnation === this.self.incarnation) return;
    this.refute(incarnation, state !== 'alive');
  }

  private refute(claimedIncarnation: number, accused: boolean): void {
    this.self.incarnation = Math.max(this.self.incarnation, claimedIncarnation) + 1;
    if (this.self.incarnation >= UINT32_MAX) this.self.incarnation = UINT32_MAX - 1;
    this.counters.refutations++;
    // Lifeguard: having to defend ourselves hints that we are the slow one.
    if (accused) this.awareness.applyDelta(1);
    // Members that already dropped us re-admit us after a fresh delay.
    this.enqueueUpdate(this.aliveMessage(this.self), this.nowMs + this.freshViewDelayMs());
    this.emit({ type: 'refuted', incarnation: this.self.incarnation });
  }

  private mergeSelfSnapshot(snapshot: MemberSnapshot): void {
    const aboutUsNow =
      snapshot.state === 'alive' && snapshot.incarnation === this.self.incarnation && !this.leaving;
    if (aboutUsNow && this.awaitingAdmission && snapshot.viewDelayMs > 0 && this.self.viewThreads > 0) {
      // The cluster admits us at a deadline; leave our own view until then,
      // so that we and everyone else rebalance at the same moment.
      this.setViewThreads(this.self, 0);
      this.markViewChanged();
      this.wantInView(this.self, this.self.threads, this.nowMs + snapshot.viewDelayMs);
      return;
    }
    this.hearAboutSelf(snapshot.state, snapshot.incarnation);
  }

  private adoptInitialMember(member: Member): void {
    if (member.id === this.id || this.records.has(member.id)) return;
    if (this.records.size >= this.config.membersMax) {
      this.drop('members-max');
      return;
    }
    const record: MemberRecord = {
      id: member.id,
      address: member.address,
      incarnation: member.incarnation,
      state: 'alive',
      threads: member.threads,
      metadata: member.metadata,
      stateChangedAtMs: this.nowMs,
      suspicion: undefined,
      suspicionToken: 0,
      viewThreads: 0,
      rttMs: undefined,
      slot: this.others.length,
    };
    this.records.set(record.id, record);
    this.others.push(record);
    this.liveCount++;
    this.probeOrder.insert(record.id);
    this.setViewThreads(record, record.threads);
  }

  private setState(record: MemberRecord, state: MemberState): void {
    const wasLive = isInView(record.state);
    const isLive = isInView(state);
    if (wasLive && !isLive) this.liveCount--;
    if (!wasLive && isLive) this.liveCount++;
    if (record.state === 'suspect') this.suspectCount--;
    if (state === 'suspect') this.suspectCount++;
    if (record !== this.self) {
      if (isLive) this.tombstones.delete(record.id);
      else this.tombstones.add(record.id);
    }
    record.state = state;
  }

  // ---------------------------------------------------------------- probing

  private onProbeTick(): void {
    // Judge the last probe first: its outcome changes the health score that
    // stretches the next period.
    if (this.activeProbe !== undefined) this.finishProbe(this.activeProbe.seq);
    this.schedule(this.awareness.scaleMs(this.config.probeIntervalMs), { kind: 'probe-tick' });
    if (this.leaving) return;
    const targetId = this.probeOrder.take(
      (id) => {
        const record = this.records.get(id);
        return record !== undefined && record !== this.self && isInView(record.state);
      },
      () => this.others.filter((record) => isInView(record.state)).map((record) => record.id),
    );
    const target = targetId === undefined ? undefined : this.records.get(targetId);
    if (target === undefined) return;
    const seq = this.nextSeq();
    this.activeProbe = {
      seq,
      targetId: target.id,
      sentAtMs: this.nowMs,
      acked: false,
      indirect: false,
      nacksExpected: 0,
      nacksReceived: 0,
    };
    const ping: PingMessage = {
      type: 'ping',
      seq,
      targetId: target.id,
      fromId: this.id,
      viewId: this.viewDigest,
    };
    const messages: Message[] = [ping];
    if (target.state === 'suspect') {
      // Lifeguard's buddy system: tell the suspect first, so it can refute at once.
      messages.unshift({ type: 'suspect', id: target.id, incarnation: target.incarnation, fromId: this.id });
    }
    this.counters.probes++;
    this.sendPacket(target.address, messages, 'datagram');
    this.schedule(this.awareness.scaleMs(this.config.probeTimeoutMs), { kind: 'probe-timeout', seq });
    this.schedule(this.awareness.scaleMs(this.config.probeIntervalMs), { kind: 'probe-end', seq });
  }

  private onProbeTimeout(seq: number): void {
    const probe = this.activeProbe;
    if (probe === undefined || probe.seq !== seq || probe.acked) return;
    const target = this.records.get(probe.targetId);
    if (target === undefined || !isInView(target.state)) return;
    const relays = sampleDistinct(
      this.random,
      this.others,
      this.config.indirectChecks,
      (record) => record.state === 'alive' && record !== target,
    );
    probe.indirect = true;
    probe.nacksExpected = relays.length;
    for (const relay of relays) {
      const request: PingReqMessage = {
        type: 'ping-req',
        seq,
        targetId: target.id,
        targetAddress: target.address,
        fromId: this.id,
      };
      this.counters.indirectProbes++;
      this.sendPacket(relay.address, [request], 'datagram');
    }
    if (this.config.streamProbe) {
      // Networks that filter UDP but pass TCP still get an honest answer.
      const ping: PingMessage = {
        type: 'ping',
        seq,
        targetId: target.id,
        fromId: this.id,
        viewId: this.viewDigest,
      };
      this.host.send(target.address, [ping], 'stream');
    }
  }

  /** End of the protocol period for a probe: no ack by now means suspect. */
  private finishProbe(seq: number): void {
    const probe = this.activeProbe;
    if (probe === undefined || probe.seq !== seq) return;
    this.activeProbe = undefined;
    if (probe.acked) return;
    const target = this.records.get(probe.targetId);
    if (target === undefined || !isInView(target.state)) return;
    this.counters.probesFailed++;
    // Lifeguard: relays that failed to nack point at our own network, not the target.
    const missedNacks = probe.nacksExpected - probe.nacksReceived;
    this.awareness.applyDelta(probe.nacksExpected > 0 ? Math.max(0, missedNacks) : 1);
    this.applySuspect(target.id, target.incarnation, this.id);
  }

  private onPing(ping: PingMessage, from: string, channel: Channel): void {
    if (ping.targetId !== this.id) {
      this.drop('wrong-target');
      return;
    }
    this.noteViewId(ping.fromId, ping.viewId);
    const ack: AckMessage = { type: 'ack', seq: ping.seq, viewId: this.viewDigest };
    this.sendPacket(from, [ack], channel);
  }

  private onAck(ack: AckMessage): void {
    const probe = this.activeProbe;
    if (probe !== undefined && probe.seq === ack.seq) {
      if (probe.acked) return;
      probe.acked = true;
      const target = this.records.get(probe.targetId);
      if (target !== undefined) {
        this.noteViewId(target.id, ack.viewId);
        if (!probe.indirect) {
          const sample = this.nowMs - probe.sentAtMs;
          target.rttMs =
            target.rttMs === undefined ? sample : target.rttMs + RTT_SMOOTHING * (sample - target.rttMs);
        }
      }
      if (!probe.indirect) this.awareness.applyDelta(-1);
      return;
    }
    const relay = this.relays.get(ack.seq);
    if (relay !== undefined) {
      this.relays.delete(ack.seq);
      this.sendPacket(
        relay.requester,
        [{ type: 'ack', seq: relay.requesterSeq, viewId: ack.viewId }],
        relay.channel,
      );
      return;
    }
    this.drop('stale-seq');
  }

  private onNack(nack: NackMessage): void {
    const probe = this.activeProbe;
    if (probe === undefined || probe.seq !== nack.seq) {
      this.drop('stale-seq');
      return;
    }
    probe.nacksReceived++;
    this.counters.nacksReceived++;
  }

  private onPingReq(request: PingReqMessage, from: string, channel: Channel): void {
    if (this.relays.size >= RELAYS_MAX) {
      this.drop('relays-max');
      return;
    }
    const seq = this.nextSeq();
    this.relays.set(seq, { requester: from, requesterSeq: request.seq, channel });
    const ping: PingMessage = {
      type: 'ping',
      seq,
      targetId: request.targetId,
      fromId: this.id,
      viewId: this.viewDigest,
    };
    this.sendPacket(request.targetAddress, [ping], 'datagram');
    this.schedule(this.relayNackDelayMs(), { kind: 'relay-timeout', seq });
  }

  /**
   * The requester sent its ping-req at probeTimeoutMs and judges the probe at
   * probeIntervalMs; a nack must land in between to count, so the relay gives
   * up on the target at 80% of that window (or of the probe timeout, if shorter).
   */
  private relayNackDelayMs(): number {
    const windowMs = this.config.probeIntervalMs - this.config.probeTimeoutMs;
    return Math.max(1, Math.floor(0.8 * Math.min(this.config.probeTimeoutMs, windowMs)));
  }

  private onRelayTimeout(seq: number): void {
    const relay = this.relays.get(seq);
    if (relay === undefined) return;
    this.relays.delete(seq);
    this.sendPacket(relay.requester, [{ type: 'nack', seq: relay.requesterSeq }], relay.channel);
  }

  private scheduleSuspicionTimer(record: MemberRecord, suspicion: Suspicion): void {
    const delayMs = Math.max(0, suspicion.deadlineMs() - this.nowMs);
    record.suspicionToken = this.schedule(delayMs, { kind: 'suspicion', id: record.id });
  }

  private onSuspicionTimeout(id: string, token: number): void {
    const record = this.records.get(id);
    if (record === undefined || record.state !== 'suspect' || record.suspicionToken !== token) return;
    this.applyDeparture(id, 'dead', record.incarnation, this.freshViewDelayMs());
  }

  // ------------------------------------------------------------ dissemination

  private onGossipTick(): void {
    this.schedule(this.config.gossipIntervalMs, { kind: 'gossip' });
    if (this.broadcasts.length === 0) {
      if (this.leaving) this.reportLeaveDone(true);
      return;
    }
    const targets = sampleDistinct(this.random, this.others, this.config.gossipNodes, (record) => {
      if (isInView(record.state)) return true;
      // Dead members keep hearing gossip for a while, so a partition can heal.
      return record.state === 'dead' && this.nowMs - record.stateChangedAtMs < this.config.gossipToTheDeadMs;
    });
    for (const target of targets) this.sendPacket(target.address, [], 'datagram');
  }

  private onPushPullTick(): void {
    const intervalMs = pushPullIntervalMs(this.config.pushPullIntervalMs, this.liveCount);
    this.schedule(this.jittered(intervalMs), { kind: 'push-pull' });
    if (this.leaving) return;
    const [peer] = sampleDistinct(this.random, this.others, 1, (record) => record.state === 'alive');
    if (peer !== undefined) {
      this.counters.syncs++;
      this.host.sync(peer.address, false);
    }
    // Serf-style reconnect: try one dead member, so both sides of a healed
    // partition meet again even after gossip to the dead has stopped.
    const [lost] = sampleDistinct(this.random, this.others, 1, (record) => record.state === 'dead');
    if (lost !== undefined) {
      this.counters.syncs++;
      this.host.sync(lost.address, false);
    }
  }

  private enqueueUpdate(message: UpdateMessage, viewAtMs: number): void {
    const sized = 'viewDelayMs' in message ? { ...message, viewDelayMs: VIEW_DELAY_MS_MAX } : message;
    if (!this.broadcasts.enqueue(message.id, message, messageBytes(sized), viewAtMs)) {
      this.drop('queue-full');
    }
  }

  /** Sends `primary` plus as many queued updates as fit in one packet. */
  private sendPacket(to: string, primary: Message[], channel: Channel): void {
    let primaryBytes = 0;
    for (const message of primary) primaryBytes += messageBytes(message);
    // Sized for the largest array header, since the update count is not known yet.
    const used = packetBytes(MESSAGES_PER_PACKET_MAX, primaryBytes);
    const room = this.config.packetBytesMax - used;
    const updates =
      room > 0
        ? this.broadcasts.take(room, this.retransmitLimit(), MESSAGES_PER_PACKET_MAX - primary.length)
        : [];
    if (updates.length === 0 && primary.length === 0) return;
    const messages = primary;
    for (const update of updates) messages.push(this.withRemainingDelay(update));
    this.host.send(to, messages, channel);
  }

  /** The view deadline travels as the time still left at the moment of sending. */
  private withRemainingDelay(update: QueuedUpdate): UpdateMessage {
    const message = update.message;
    if (message.type === 'suspect') return message;
    const remaining = update.viewAtMs > 0 ? Math.max(0, Math.round(update.viewAtMs - this.nowMs)) : 0;
    return remaining === message.viewDelayMs ? message : { ...message, viewDelayMs: remaining };
  }

  private retransmitLimit(): number {
    return retransmitLimit(this.config.retransmitMult, this.liveCount);
  }

  // ----------------------------------------------------------- view changes

  private freshViewDelayMs(): number {
    return viewDelayMs(this.config.viewDelayMs, this.liveCount);
  }

  private wantInView(record: MemberRecord, threads: number, atMs: number): void {
    this.viewSchedule.want(record.id, threads, record.viewThreads, atMs);
    const change = this.viewSchedule.get(record.id);
    if (change === undefined) return;
    if (change.atMs <= this.nowMs) {
      this.applyDueViewChanges();
    } else if (change.atMs < this.viewTimerAtMs) {
      this.viewTimerAtMs = change.atMs;
      this.schedule(change.atMs - this.nowMs, { kind: 'view' });
    }
  }

  private applyDueViewChanges(): void {
    let changed = false;
    for (const [id, change] of this.viewSchedule.takeDue(this.nowMs)) {
      const record = this.records.get(id);
      if (record === undefined || record.viewThreads === change.threads) continue;
      this.setViewThreads(record, change.threads);
      changed = true;
    }
    const next = this.viewSchedule.nextDueMs();
    if (next !== undefined && next < this.viewTimerAtMs) {
      this.viewTimerAtMs = next;
      this.schedule(Math.max(0, next - this.nowMs), { kind: 'view' });
    }
    if (changed) this.markViewChanged();
  }

  private setViewThreads(record: MemberRecord, threads: number): void {
    if (record.viewThreads > 0) {
      this.viewDigest = (this.viewDigest - viewShare(record.id, record.viewThreads)) >>> 0;
      this.viewTotal -= record.viewThreads;
    }
    if (threads > 0) {
      this.viewDigest = (this.viewDigest + viewShare(record.id, threads)) >>> 0;
      this.viewTotal += threads;
    }
    record.viewThreads = threads;
  }

  private markViewChanged(): void {
    this.viewCache = undefined;
    this.lastViewChangeAtMs = this.nowMs;
    this.viewChangedInInput = true;
  }

  /**
   * Ends every input: one 'view' event for all the changes it applied (a
   * merged state can apply many at once; the application should rebalance
   * once), then the settled flag.
   */
  private finishInput(): void {
    if (this.viewChangedInInput) {
      this.viewChangedInInput = false;
      this.emit({ type: 'view', viewId: this.viewDigest, total: this.viewTotal });
    }
    this.updateSettled();
  }

  // ----------------------------------------------------------------- settled

  /** A peer's viewId that differs from ours means the cluster has not agreed yet. */
  private noteViewId(fromId: string, viewId: number): void {
    if (viewId === this.viewDigest) return;
    const record = this.records.get(fromId);
    if (record !== undefined && isInView(record.state)) this.lastMismatchAtMs = this.nowMs;
  }

  private updateSettled(): void {
    let settled =
      this.isRunning &&
      !this.leaving &&
      !this.awaitingAdmission &&
      this.viewSchedule.size === 0 &&
      this.suspectCount === 0;
    if (settled) {
      const quietUntilMs =
        Math.max(this.lastViewChangeAtMs, this.lastMismatchAtMs) + this.config.settleQuietMs;
      if (this.nowMs < quietUntilMs) {
        settled = false;
        if (this.settleTimerAtMs <= this.nowMs) {
          this.settleTimerAtMs = quietUntilMs;
          this.schedule(quietUntilMs - this.nowMs, { kind: 'settle' });
        }
      }
    }
    if (settled === this.isSettled) return;
    this.isSettled = settled;
    this.emit({ type: 'settled', settled, viewId: this.viewDigest });
  }

  // ------------------------------------------------------------------ upkeep

  private onReapTick(): void {
    this.schedule(this.reapIntervalMs(), { kind: 'reap' });
    const expired: MemberRecord[] = [];
    for (const id of this.tombstones) {
      const record = this.records.get(id);
      if (record === undefined) continue;
      const old = this.nowMs - record.stateChangedAtMs >= this.config.tombstoneRetentionMs;
      if (old && record.viewThreads === 0 && this.viewSchedule.get(id) === undefined) expired.push(record);
    }
    for (const record of expired) {
      this.tombstones.delete(record.id);
      this.records.delete(record.id);
      this.broadcasts.remove(record.id);
      const last = this.others.pop() as MemberRecord;
      if (last !== record) {
        this.others[record.slot] = last;
        last.slot = record.slot;
      }
      this.emitMember('reap', record, undefined);
    }
  }

  private reapIntervalMs(): number {
    return Math.max(1000, Math.min(10_000, Math.floor(this.config.tombstoneRetentionMs / 4)));
  }

  private reportLeaveDone(announced: boolean): void {
    if (!this.leaving || this.leaveReported) return;
    this.leaveReported = true;
    this.emit({ type: 'leave-done', announced });
  }

  // ---------------------------------------------------------------- helpers

  private acceptsInput(): boolean {
    return this.isRunning && !this.stopped;
  }

  private schedule(delayMs: number, action: TimerAction): number {
    const token = ++this.nextToken;
    this.timers.set(token, action);
    this.host.schedule(Math.max(0, Math.round(delayMs)), token);
    return token;
  }

  /** A period with up to 10% jitter either way, so periodic syncs spread out. */
  private jittered(periodMs: number): number {
    const spread = Math.floor(periodMs / 10);
    return periodMs - spread + randomInt(this.random, 2 * spread + 1);
  }

  private nextSeq(): number {
    this.seq = this.seq >= UINT32_MAX ? 1 : this.seq + 1;
    return this.seq;
  }

  private aliveMessage(record: MemberRecord): AliveMessage {
    return {
      type: 'alive',
      id: record.id,
      address: record.address,
      incarnation: record.incarnation,
      threads: record.threads,
      metadata: record.metadata,
      viewDelayMs: 0,
    };
  }

  private snapshot(record: MemberRecord): Member {
    return {
      id: record.id,
      address: record.address,
      incarnation: record.incarnation,
      state: record.state,
      threads: record.threads,
      metadata: record.metadata,
    };
  }

  private emitMember(kind: MemberEventKind, record: MemberRecord, previous: Member | undefined): void {
    const member = this.snapshot(record);
    this.emit(
      previous === undefined ? { type: 'member', kind, member } : { type: 'member', kind, member, previous },
    );
  }

  private emit(event: CoreEvent): void {
    this.host.notify(event);
  }

  private drop(reason: DropReason): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
    this.emit({ type: 'drop', reason });
  }
}

function validateId(id: unknown, what: string): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new ValidationError(`${what} must be a non-empty string`);
  }
  // A lone surrogate would become U+FFFD on the wire: peers would know us by another id.
  if (!id.isWellFormed()) throw new ValidationError(`${what} is not well-formed Unicode`);
  const bytes = new TextEncoder().encode(id).length;
  if (bytes > ID_BYTES_MAX) throw new ValidationError(`${what} is ${bytes} bytes, over ${ID_BYTES_MAX}`);
}

/** Validates and freezes a metadata map: strings only, within the byte limit. */
function checkMetadata(metadata: Metadata, bytesMax: number): Metadata {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ValidationError('metadata must be an object of strings');
  }
  const entries = Object.entries(metadata);
  if (entries.length > METADATA_KEYS_MAX) {
    throw new ValidationError(`metadata has ${entries.length} keys, over ${METADATA_KEYS_MAX}`);
  }
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new ValidationError(`metadata "${key}" must be a string`);
    if (!key.isWellFormed() || !value.isWellFormed()) {
      throw new ValidationError(`metadata "${key}" is not well-formed Unicode`);
    }
  }
  const bytes = metadataBytes(metadata);
  if (bytes > bytesMax) throw new MetadataTooLargeError(bytes, bytesMax);
  return Object.freeze({ ...metadata });
}
