/**
 * A network node: the protocol core run by the runtime over UDP and TCP.
 * It turns the core's events into MeshNode events, tracks joins until a
 * seed answers (with backoff between attempts) and waits for a leave to go
 * out before closing the sockets.
 */
import { clusterLabel } from '../codec/index.js';
import type { MeshCore } from '../core/core.js';
import { StateError } from '../core/errors.js';
import type { CoreEvent } from '../core/host.js';
import type { Member, Metadata } from '../core/types.js';
import type { BoundSockets } from '../runtime/bind.js';
import { monotonicMs } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
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
import { MeshNode, NOT_IN_VIEW } from './mesh-node.js';
import type { ResolvedOptions } from './options.js';
import { runtimeStats } from './stats.js';
import type { Indices, JoinOptions, MemberInfo, NodeStats } from './types.js';

/** A full member table is reported at most this often. */
const MEMBERS_MAX_WARNING_INTERVAL_MS = 60_000;

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

export class NetworkNode extends MeshNode {
  readonly isStatic = false;
  private readonly runtime: Runtime;
  private readonly joins = new Set<PendingJoin>();
  private leaveWaiter: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private readonly familyWarnings: AddressFamilyWarnings;
  private membersMaxQuietUntilMs = Number.NEGATIVE_INFINITY;

  /** @internal Use createNode(). */
  constructor(options: ResolvedOptions, logger: Logger, sockets: BoundSockets, address: string) {
    // The starting placement is read from the core once it runs, below.
    super(options, logger, address, { index: NOT_IN_VIEW, total: 0, settled: false });
    this.runtime = new Runtime({
      id: options.id,
      address,
      threads: options.threads,
      metadata: options.metadata,
      // With seeds other than itself, the node waits outside its own view (index -1) until admitted.
      joining: options.awaitAdmission ?? options.seeds.some((seed) => seed !== address),
      config: options.config,
      label: clusterLabel(options.key, options.env),
      codec: this.codec,
      transport: new SocketTransport(
        sockets,
        { ...options.transport, packetBytesMax: options.config.packetBytesMax },
        logger,
      ),
      limits: options.transport,
      logger,
      onEvent: (event) => this.onCoreEvent(event),
      onSync: (outcome) => this.onSync(outcome),
    });
    this.familyWarnings = new AddressFamilyWarnings(sockets.family, logger);
    this.runtime.start();
    this.lastIndex = this.runtime.core.ownIndex();
    this.lastTotal = this.runtime.core.viewTotal;
    this.settledFlag = this.runtime.core.settled;
    logger.debug({ id: this.id, address: this.address }, 'meshnode started');
  }

  indices(): Indices {
    const core = this.runtime.core;
    const left = this.lifecycle === 'left' || core.hasLeft;
    return {
      index: left ? NOT_IN_VIEW : core.ownIndex(),
      threads: this.options.threads,
      total: left ? totalWithout(core) : core.viewTotal,
      viewId: core.viewId,
      settled: !left && this.lifecycle !== 'closed' && core.settled,
    };
  }

  members(): MemberInfo[] {
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

  member(id: string): MemberInfo | undefined {
    const member = this.runtime.core.member(id);
    return member === undefined ? undefined : this.describe(member);
  }

  stats(): NodeStats {
    return runtimeStats(this.runtime);
  }

  protected formClusterOfOne(): void {
    this.runtime.join([]);
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'running' || this.lifecycle === 'leaving') {
      this.lifecycle = 'closed';
      this.leaveWaiter?.();
    }
    await this.shutdown();
  }

  forceLeave(id: string): boolean {
    if (this.lifecycle !== 'running')
      throw new StateError(`cannot force a leave: the node is ${this.lifecycle}`);
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

  broadcast(name: string, payload: string | Uint8Array = ''): number {
    if (this.lifecycle !== 'running') throw new StateError(`cannot broadcast: the node is ${this.lifecycle}`);
    return this.runtime.call((core, now) => core.broadcast(name, payload, now));
  }

  protected joinThrough(
    targets: readonly string[],
    options: JoinOptions,
    timeoutMs = this.options.joinTimeoutMs,
  ): Promise<void> {
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
        this.finishJoin(pending, new JoinError(targets, timeoutMs, pending.failures));
      }, timeoutMs);
      this.joins.add(pending);
      this.attemptJoin(pending);
    });
  }

  protected announceMetadata(metadata: Metadata): void {
    this.runtime.call((core, now) => core.setMetadata(metadata, now));
  }

  protected async leaveWithin(timeoutMs: number): Promise<void> {
    const runtime = this.runtime;
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
    const total = totalWithout(runtime.core);
    if (this.lifecycle === 'leaving') this.lifecycle = 'left';
    await this.shutdown();
    this.emitRebalanceIfChanged(NOT_IN_VIEW, total);
    this.logger.debug({ id: this.id }, 'meshnode left');
  }

  private shutdown(): Promise<void> {
    if (this.closing === undefined) {
      this.rejectJoins(new ClosedError('join'));
      this.closing = this.runtime.close().then(() => this.reportClosed());
    }
    return this.closing;
  }

  // Join bookkeeping

  private attemptJoin(pending: PendingJoin): void {
    if (!this.joins.has(pending)) return;
    pending.retry = undefined;
    pending.inFlight += pending.seeds.length;
    this.runtime.join(pending.seeds);
  }

  private onSync(outcome: SyncOutcome): void {
    if (!outcome.join) return;
    for (const pending of [...this.joins]) {
      if (!pending.seeds.includes(outcome.to)) continue;
      pending.inFlight = Math.max(0, pending.inFlight - 1);
      if (outcome.ok) {
        if (this.runtime.core.checkingId) pending.awaitingIdCheck = true;
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
        if (this.lifecycle !== 'running') return;
        // Events arrive after the core call that raised them: read the view as it is now,
        // so index and total always come from one view.
        const core = this.runtime.core;
        this.emitRebalanceIfChanged(core.ownIndex(), core.viewTotal);
        return;
      }
      case 'settled': {
        const was = this.settledFlag;
        this.settledFlag = this.runtime.core.settled;
        if (this.settledFlag === was || this.lifecycle !== 'running') return;
        // Only transitions: settled once it holds, unsettled once it lapses.
        this.safeEmit(this.settledFlag ? 'settled' : 'unsettled', this.indices());
        return;
      }
      case 'member': {
        const info = this.describe(event.member);
        if (event.kind === 'join' || event.kind === 'update') this.familyWarnings.check(info);
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
      case 'drop':
        if (event.reason === 'members-max') this.onMembersMax();
        return;
      case 'user-event':
        this.safeEmit('event', {
          name: event.name,
          payload: new Uint8Array(event.payload),
          from: event.fromId,
          ltime: event.ltime,
        });
        return;
      default:
        return;
    }
  }

  /** A full table drops newcomers silently in the core: say so, at most once a minute. */
  private onMembersMax(): void {
    const nowMs = monotonicMs();
    if (nowMs < this.membersMaxQuietUntilMs) return;
    this.membersMaxQuietUntilMs = nowMs + MEMBERS_MAX_WARNING_INTERVAL_MS;
    const membersMax = this.options.config.membersMax;
    this.logger.warn(
      { id: this.id, membersMax },
      'the member table is full (config.membersMax): new members are dropped; raise membersMax or look for a flood of fake members',
    );
    this.safeEmit('members-max', { membersMax });
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

  private describe(member: Member): MemberInfo {
    return this.info(member, this.runtime.core.indexOf(member.id));
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
      rttMs: member.id === this.id ? undefined : this.runtime.core.rttMs(member.id),
    };
  }
}

/** The view's total without this node: what a leaver reports while peers may still count it. */
function totalWithout(core: MeshCore): number {
  const own = core.view().members.find((member) => member.id === core.id);
  return core.viewTotal - (own?.threads ?? 0);
}
