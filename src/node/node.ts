/**
 * MeshNode: what an application embeds. It wraps the runtime (sockets,
 * timers, the protocol core) behind a small API: join, indices, members,
 * typed events, metadata, ownership by rendezvous hashing, stats, leave and
 * close. Static mode answers the same calls from a fixed placement with no
 * network at all.
 */
import { EventEmitter } from 'node:events';
import { clusterLabel } from '../codec/index.js';
import { formatAddress } from '../core/address.js';
import { StateError } from '../core/errors.js';
import type { CoreEvent } from '../core/host.js';
import type { Member, Metadata, View } from '../core/types.js';
import { validateMetadata } from '../core/validation.js';
import { Rendezvous } from '../hashing/rendezvous.js';
import { type BoundSockets, bindSockets, closeSockets } from '../runtime/bind.js';
import { type Logger, silentLogger } from '../runtime/logger.js';
import { Runtime, type SyncOutcome } from '../runtime/runtime.js';
import { SocketTransport } from '../runtime/socket-transport.js';
import {
  ClosedError,
  IdConflictError,
  isDefinitiveSyncFailure,
  JoinError,
  MemberAliveError,
  UnknownMemberError,
} from './errors.js';
import { AddressFamilyWarnings } from './family-warning.js';
import {
  type NodeOptions,
  pickAdvertiseHost,
  type ResolvedOptions,
  resolveOptions,
  validateSeeds,
} from './options.js';
import { emptyStats, runtimeStats } from './stats.js';
import type {
  CloseInfo,
  Indices,
  JoinOptions,
  LeaveOptions,
  MemberInfo,
  MeshNodeEvents,
  NodeStats,
} from './types.js';

/** Creates a node: validates options, binds UDP and TCP, starts the protocol. */
export async function createNode(options: NodeOptions): Promise<MeshNode> {
  const resolved = resolveOptions(options);
  const logger = options.logger ?? silentLogger;
  if (resolved.static !== undefined) return new MeshNode(resolved, logger, undefined);
  const sockets = await bindSockets({ host: resolved.bindHost, port: resolved.bindPort });
  const host =
    resolved.advertise?.host !== undefined
      ? resolved.advertise.host
      : pickAdvertiseHost(sockets.host, sockets.family);
  const address = formatAddress(host, resolved.advertise?.port ?? sockets.port);
  try {
    return new MeshNode(resolved, logger, { sockets, address });
  } catch (error) {
    await closeSockets(sockets);
    throw error;
  }
}

interface PendingJoin {
  readonly seeds: readonly string[];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly failures: Record<string, string>;
  deadline: NodeJS.Timeout | undefined;
  retry: NodeJS.Timeout | undefined;
  inFlight: number;
  backoffMs: number;
  /** A seed answered, but the cluster held our id elsewhere: wait for the core's id check. */
  awaitingIdCheck: boolean;
  /** False: reject as soon as every seed failed once (the caller runs its own retry loop). */
  readonly retries: boolean;
}

type Lifecycle = 'running' | 'leaving' | 'left' | 'closed';

const NOT_IN_VIEW = -1;

export class MeshNode extends EventEmitter<MeshNodeEvents> {
  /** This instance's id. */
  readonly id: string;
  /** "host:port" peers reach this node at (the advertised address); "" in static mode. */
  readonly address: string;
  /** True in static mode (no network). */
  readonly isStatic: boolean;
  private readonly options: ResolvedOptions;
  private readonly logger: Logger;
  private readonly runtime: Runtime | undefined;
  private lifecycle: Lifecycle = 'running';
  private metadata: Metadata;
  private lastIndex: number;
  private lastTotal: number;
  private settledFlag: boolean;
  private readonly joins = new Set<PendingJoin>();
  private leaveWaiter: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private ring: { viewId: number; ring: Rendezvous } | undefined;
  private readonly familyWarnings: AddressFamilyWarnings | undefined;
  private resolveClosed!: (info: CloseInfo) => void;
  /**
   * Settles once the node has stopped for good (after leave() or close(),
   * sockets and timers released), with how it ended; the 'close' event fires
   * at the same moment. It never rejects.
   */
  readonly closed: Promise<CloseInfo>;

  /** @internal Use createNode(). */
  constructor(
    options: ResolvedOptions,
    logger: Logger,
    network: { readonly sockets: BoundSockets; readonly address: string } | undefined,
  ) {
    super();
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.options = options;
    this.logger = logger;
    this.id = options.id;
    this.metadata = options.metadata;
    this.isStatic = network === undefined;
    this.address = network?.address ?? '';
    if (network === undefined) {
      const placement = options.static as NonNullable<ResolvedOptions['static']>;
      this.lastIndex = placement.index;
      this.lastTotal = placement.total;
      this.settledFlag = true;
      this.runtime = undefined;
      this.familyWarnings = undefined;
      return;
    }
    this.runtime = new Runtime({
      id: options.id,
      address: network.address,
      threads: options.threads,
      metadata: options.metadata,
      // With seeds other than itself, the node waits outside its own view (index -1) until admitted.
      joining: options.awaitAdmission ?? options.seeds.some((seed) => seed !== network.address),
      config: options.config,
      label: clusterLabel(options.key, options.env),
      transport: new SocketTransport(
        network.sockets,
        { ...options.transport, packetBytesMax: options.config.packetBytesMax },
        logger,
      ),
      limits: options.transport,
      logger,
      onEvent: (event) => this.onCoreEvent(event),
      onSync: (outcome) => this.onSync(outcome),
    });
    this.familyWarnings = new AddressFamilyWarnings(network.sockets.family, logger);
    this.runtime.start();
    const view = this.runtime.core.view();
    this.lastIndex = indexIn(view, this.id);
    this.lastTotal = view.total;
    this.settledFlag = this.runtime.core.settled;
    logger.debug({ id: this.id, address: this.address }, 'meshnode started');
  }

  /** This node's base index, thread count, the total, the view id and whether the view has settled. */
  indices(): Indices {
    if (this.runtime === undefined) {
      return {
        index: this.lifecycle === 'left' ? NOT_IN_VIEW : this.lastIndex,
        threads: this.options.threads,
        total: this.lastTotal,
        viewId: 0,
        // As in network mode: a node that left (or closed) no longer vouches for any view.
        settled: this.lifecycle === 'running' && this.settledFlag,
      };
    }
    const view = this.runtime.core.view();
    const left = this.lifecycle === 'left' || this.runtime.core.hasLeft;
    return {
      index: left ? NOT_IN_VIEW : indexIn(view, this.id),
      threads: this.options.threads,
      total: left ? totalWithout(view, this.id) : view.total,
      viewId: view.viewId,
      settled: !left && this.lifecycle !== 'closed' && this.runtime.core.settled,
    };
  }

  /** The sorted view (alive and suspect members by id in UTF-8 byte order) with details. */
  members(): MemberInfo[] {
    if (this.runtime === undefined) {
      if (this.lifecycle === 'left') return [];
      return [
        {
          id: this.id,
          address: this.address,
          threads: this.options.threads,
          index: this.lastIndex,
          state: 'alive',
          incarnation: 0,
          metadata: this.metadata,
          rttMs: undefined,
        },
      ];
    }
    const core = this.runtime.core;
    const left = core.hasLeft;
    const out: MemberInfo[] = [];
    for (const entry of core.view().members) {
      // A leaver stays in views until the coordinated deadline, but no longer counts itself.
      if (left && entry.id === this.id) continue;
      const member = core.member(entry.id);
      if (member === undefined) continue;
      out.push(this.info(member, entry.index));
    }
    return out;
  }

  /** One member by id, from the whole membership table (tombstones included). */
  member(id: string): MemberInfo | undefined {
    if (this.runtime === undefined) return id === this.id ? this.members()[0] : undefined;
    const member = this.runtime.core.member(id);
    return member === undefined ? undefined : this.describe(member);
  }

  /**
   * Joins the cluster through `seeds` (default: the seeds given to createNode).
   * Resolves once one seed answered with its full state; rejects with a
   * JoinError when none did within joinTimeoutMs (seeds are retried with
   * backoff meanwhile). Without seeds (or only this node's own address) there
   * is nothing to join and it resolves at once.
   *
   * The cluster admits a newcomer at a coordinated deadline (config
   * viewDelayMs) so that every node rebalances at the same moment: until then
   * indices().index is -1. Wait for 'rebalance' (or 'settled') to start work.
   *
   * With `{ retry: false }` every seed is tried once and the JoinError comes
   * as soon as all of them failed, for callers that retry on their own terms.
   */
  join(seeds?: readonly string[], options: JoinOptions = {}): Promise<void> {
    if (this.lifecycle !== 'running')
      return Promise.reject(new StateError(`cannot join: the node is ${this.lifecycle}`));
    const list = seeds === undefined ? this.options.seeds : validateSeeds(seeds);
    const targets = [...new Set(list)].filter((seed) => seed !== this.address);
    if (this.runtime === undefined || targets.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const pending: PendingJoin = {
        seeds: targets,
        resolve,
        reject,
        failures: {},
        deadline: undefined,
        retry: undefined,
        inFlight: 0,
        backoffMs: Math.min(250, this.options.config.probeIntervalMs),
        awaitingIdCheck: false,
        retries: options.retry !== false,
      };
      pending.deadline = setTimeout(() => {
        this.finishJoin(pending, new JoinError(targets, this.options.joinTimeoutMs, pending.failures));
      }, this.options.joinTimeoutMs);
      this.joins.add(pending);
      this.attemptJoin(pending);
    });
  }

  /**
   * Replaces this node's metadata; it spreads as an update. The change is
   * made before the call returns (member(node.id) shows it at once) and
   * nothing asynchronous follows: the promise is already settled, kept so
   * that code written as `await node.setMetadata(...)` or `.catch(...)`
   * works. It rejects with MetadataTooLargeError over the limit, a
   * ValidationError for a map that is not all strings, or a StateError once
   * the node left or closed.
   */
  setMetadata(metadata: Metadata): Promise<void> {
    try {
      this.replaceMetadata(metadata);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private replaceMetadata(metadata: Metadata): void {
    if (this.lifecycle !== 'running')
      throw new StateError(`cannot set metadata: the node is ${this.lifecycle}`);
    const checked = validateMetadata(metadata, this.options.config.metadataBytesMax);
    if (this.runtime !== undefined) this.runtime.call((core, now) => core.setMetadata(checked, now));
    this.metadata = checked;
  }

  /**
   * Marks a failed (dead) member as left, the way Serf's force-leave does:
   * every member then stops trying to reconnect to it, and its tombstone is
   * reaped on the usual schedule. Synchronous. Returns false when the member
   * had already left. Throws MemberAliveError for a member that is alive or
   * suspect (it would refute the verdict), UnknownMemberError for an id not
   * known, and StateError for this node itself (use leave()), in static mode,
   * or once the node left or closed.
   */
  forceLeave(id: string): boolean {
    if (this.lifecycle !== 'running')
      throw new StateError(`cannot force a leave: the node is ${this.lifecycle}`);
    if (this.runtime === undefined) throw new StateError('static mode has no other members');
    const result = this.runtime.call((core, now) => core.forceLeave(id, now));
    switch (result) {
      case 'left':
        this.logger.info({ member: id }, 'forced a failed member to leave');
        return true;
      case 'already-left':
        return false;
      case 'alive':
      case 'suspect':
        throw new MemberAliveError(id, result);
      case 'unknown':
        throw new UnknownMemberError(id);
      case 'self':
        throw new StateError('a node cannot force itself out: call leave()');
      default:
        throw new StateError('cannot force a leave: the node is stopped');
    }
  }

  /** The view member that owns `key` by rendezvous hashing; undefined with an empty view. */
  owner(key: string | Uint8Array): MemberInfo | undefined {
    return this.owners(key, 1)[0];
  }

  /** The `count` best owners of `key` (replica placement), best first. */
  owners(key: string | Uint8Array, count: number): MemberInfo[] {
    const members = this.members();
    const byId = new Map(members.map((m) => [m.id, m]));
    const viewId = this.indices().viewId;
    if (this.ring === undefined || this.ring.viewId !== viewId || this.ring.ring.size !== members.length) {
      this.ring = { viewId, ring: new Rendezvous(members.map((m) => m.id)) };
    }
    return this.ring.ring.owners(key, count).map((id) => byId.get(id) as MemberInfo);
  }

  stats(): NodeStats {
    return this.runtime === undefined ? emptyStats() : runtimeStats(this.runtime, this.id);
  }

  /**
   * Leaves gracefully: announces the departure (others learn at once rather
   * than by failure detection), waits for it to go out (bounded by
   * `timeoutMs`), then shuts the node down. Afterwards index() is -1.
   */
  async leave(options: LeaveOptions = {}): Promise<void> {
    if (this.lifecycle === 'left' || this.lifecycle === 'closed') return;
    if (this.lifecycle === 'leaving') throw new StateError('leave() is already in progress');
    const timeoutMs = options.timeoutMs ?? this.options.config.leaveTimeoutMs + 1000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0)
      throw new StateError('leave timeoutMs must be a non-negative integer');
    const runtime = this.runtime;
    if (runtime === undefined) {
      this.lifecycle = 'left';
      this.emitRebalanceIfChanged(NOT_IN_VIEW, this.lastTotal);
      await this.shutdown();
      return;
    }
    this.lifecycle = 'leaving';
    this.rejectJoins(new StateError('the node is leaving'));
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.leaveWaiter = undefined;
        resolve();
      }, timeoutMs);
      this.leaveWaiter = () => {
        clearTimeout(timer);
        this.leaveWaiter = undefined;
        resolve();
      };
    });
    try {
      runtime.call((core, now) => core.leave(now));
    } catch (error) {
      this.logger.error({ err: error }, 'core.leave() threw');
      this.leaveWaiter?.();
    }
    await done;
    const view = runtime.core.view();
    if (this.lifecycle === 'leaving') this.lifecycle = 'left';
    await this.shutdown();
    this.emitRebalanceIfChanged(NOT_IN_VIEW, totalWithout(view, this.id));
    this.logger.debug({ id: this.id }, 'meshnode left');
  }

  /** Stops without leaving (peers will detect a failure). No timer or socket stays open. */
  async close(): Promise<void> {
    if (this.lifecycle === 'running' || this.lifecycle === 'leaving') {
      this.lifecycle = 'closed';
      this.leaveWaiter?.();
    }
    await this.shutdown();
  }

  private shutdown(): Promise<void> {
    if (this.closing === undefined) {
      this.rejectJoins(new ClosedError('join'));
      const left = this.lifecycle === 'left';
      this.closing = (this.runtime?.close() ?? Promise.resolve()).then(() => {
        const info: CloseInfo = { left };
        this.resolveClosed(info);
        this.safeEmit('close', info);
      });
    }
    return this.closing;
  }

  // Join bookkeeping

  private attemptJoin(pending: PendingJoin): void {
    const runtime = this.runtime;
    if (runtime === undefined || !this.joins.has(pending)) return;
    pending.retry = undefined;
    pending.inFlight += pending.seeds.length;
    runtime.join(pending.seeds);
  }

  private onSync(outcome: SyncOutcome): void {
    if (!outcome.join) return;
    for (const pending of [...this.joins]) {
      if (!pending.seeds.includes(outcome.to)) continue;
      pending.inFlight = Math.max(0, pending.inFlight - 1);
      if (outcome.ok) {
        if (this.runtime?.core.checkingId === true) pending.awaitingIdCheck = true;
        else this.finishJoin(pending, undefined);
        continue;
      }
      pending.failures[outcome.to] = outcome.reason ?? 'failed';
      // Every seed answered "no" (refused, or not a meshnode agent): waiting out the deadline changes nothing.
      const refusedByAll = pending.seeds.every((seed) => {
        const reason = pending.failures[seed];
        return reason !== undefined && isDefinitiveSyncFailure(reason);
      });
      if (pending.inFlight === 0 && (refusedByAll || !pending.retries)) {
        const timeoutMs = refusedByAll ? undefined : this.options.joinTimeoutMs;
        this.finishJoin(pending, new JoinError(pending.seeds, timeoutMs, pending.failures));
        continue;
      }
      if (pending.inFlight === 0 && pending.retry === undefined) {
        const wait = pending.backoffMs;
        pending.backoffMs = Math.min(pending.backoffMs * 2, 2000);
        pending.retry = setTimeout(() => this.attemptJoin(pending), wait);
      }
    }
  }

  private finishJoin(pending: PendingJoin, error: Error | undefined): void {
    if (!this.joins.delete(pending)) return;
    clearTimeout(pending.deadline);
    clearTimeout(pending.retry);
    if (error === undefined) {
      this.logger.debug({ id: this.id, seeds: pending.seeds }, 'joined');
      pending.resolve();
    } else {
      pending.reject(error);
    }
  }

  private rejectJoins(error: Error): void {
    for (const pending of [...this.joins]) this.finishJoin(pending, error);
  }

  // Core events

  private onCoreEvent(event: CoreEvent): void {
    switch (event.type) {
      case 'view': {
        if (this.lifecycle !== 'running' || this.runtime === undefined) return;
        // Events arrive after the core call that raised them: read the view as it is now,
        // so index and total always come from one view.
        const view = this.runtime.core.view();
        this.emitRebalanceIfChanged(indexIn(view, this.id), view.total);
        return;
      }
      case 'settled': {
        const was = this.settledFlag;
        this.settledFlag = this.runtime?.core.settled ?? event.settled;
        if (this.settledFlag === was || this.lifecycle !== 'running') return;
        // Only transitions: settled once it holds, unsettled once it lapses.
        this.safeEmit(this.settledFlag ? 'settled' : 'unsettled', this.indices());
        return;
      }
      case 'member': {
        const info = this.describe(event.member);
        if (event.kind === 'join' || event.kind === 'update') this.familyWarnings?.check(info);
        switch (event.kind) {
          case 'join':
            this.safeEmit('join', info);
            return;
          case 'leave':
            this.safeEmit('leave', info);
            return;
          case 'fail':
            this.safeEmit('fail', info);
            return;
          case 'update':
            this.safeEmit('update', info);
            return;
          case 'suspect':
            this.safeEmit('suspect', info);
            return;
          case 'alive-again':
            this.safeEmit('recover', info);
            return;
          default:
            return;
        }
      }
      case 'leave-done':
        this.leaveWaiter?.();
        return;
      case 'id-check':
        this.onIdCheck(event.outcome, event.address);
        return;
      case 'conflict':
        this.logger.warn(
          { id: this.id, address: event.address },
          'another process claims this id at another address; refuting',
        );
        this.safeEmit('conflict', { id: event.id, address: event.address });
        return;
      case 'refuted':
        this.logger.info({ id: this.id, incarnation: event.incarnation }, 'refuted a suspicion');
        return;
      default:
        return;
    }
  }

  private onIdCheck(outcome: 'conflict' | 'clear', address: string): void {
    if (outcome === 'clear') {
      for (const pending of [...this.joins]) if (pending.awaitingIdCheck) this.finishJoin(pending, undefined);
      return;
    }
    const error = new IdConflictError(this.id, address);
    this.logger.error({ id: this.id, address }, error.message);
    this.rejectJoins(error);
    // The core has stopped; release the sockets too.
    void this.close().catch(() => {});
  }

  private emitRebalanceIfChanged(index: number, total: number): void {
    if (index === this.lastIndex && total === this.lastTotal) return;
    this.lastIndex = index;
    this.lastTotal = total;
    const indices = this.indices();
    this.safeEmit('rebalance', { ...indices, index, total });
  }

  /** Calls each listener in turn; one that throws is logged and does not stop the others. */
  private safeEmit<K extends keyof MeshNodeEvents>(name: K, ...args: MeshNodeEvents[K]): void {
    const listeners = this.rawListeners(name as never) as ((...a: MeshNodeEvents[K]) => void)[];
    for (const listener of listeners) {
      try {
        listener.apply(this, args);
      } catch (error) {
        this.logger.error({ err: error, event: name }, 'a meshnode event listener threw');
      }
    }
  }

  private describe(member: Member): MemberInfo {
    const view = this.runtime?.core.view();
    const entry = view?.members.find((m) => m.id === member.id);
    return this.info(member, entry?.index ?? NOT_IN_VIEW);
  }

  private info(member: Member, index: number): MemberInfo {
    return {
      id: member.id,
      address: member.address,
      threads: member.threads,
      index,
      state: member.state,
      incarnation: member.incarnation,
      metadata: member.metadata,
      rttMs: member.id === this.id ? undefined : this.runtime?.core.rttMs(member.id),
    };
  }
}

function indexIn(view: View, id: string): number {
  for (const member of view.members) if (member.id === id) return member.index;
  return NOT_IN_VIEW;
}

/** The view's total without `id`: what a leaver reports while peers may still count it. */
function totalWithout(view: View, id: string): number {
  for (const member of view.members) if (member.id === id) return view.total - member.threads;
  return view.total;
}
