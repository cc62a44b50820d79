/**
 * MeshNode: what an application embeds. Join, indices, members, typed
 * events, metadata, ownership by rendezvous hashing, stats, leave and
 * close. Two kinds answer these calls: a network node runs the protocol
 * over sockets (network-node.ts), a static node answers from a fixed
 * placement with no network at all (static-node.ts); createNode picks one.
 * What both do the same way lives here.
 */
import { EventEmitter } from 'node:events';
import type { SealingCodec } from '../codec/sealing-codec.js';
import { StateError } from '../core/errors.js';
import type { Metadata } from '../core/types.js';
import { validateMetadata } from '../core/validation.js';
import { NOT_IN_VIEW } from '../core/view-tracker.js';
import { Rendezvous } from '../hashing/rendezvous.js';
import type { Logger } from '../runtime/logger.js';
import { sealingCodecFor } from './encryption.js';
import { JoinError } from './errors.js';
import { joinInTurn } from './join-in-turn.js';
import { NodeKeyring } from './keyring.js';
import { type ResolvedOptions, validateSeeds } from './options.js';
import { isAddressSeed, resolveSeeds } from './seed-resolution.js';
import type {
  CloseInfo,
  Indices,
  JoinOptions,
  LeaveOptions,
  MemberInfo,
  MeshNodeEvents,
  NodeStats,
} from './types.js';

export type Lifecycle = 'running' | 'leaving' | 'left' | 'closed';

/** Join errors that no other address or retry can cure. */
const FATAL_JOIN_CODES = new Set(['ERR_MESH_ID_CONFLICT', 'ERR_MESH_CLOSED', 'ERR_MESH_STATE']);
/** Between rounds of a join through names: the first wait, the longest, and how many rounds at most. */
const NAME_RETRY_FIRST_MS = 250;
const NAME_RETRY_MAX_MS = 2000;
const NAME_ROUNDS_MAX = 1000;

export { NOT_IN_VIEW };

/** Where a node starts: its index and total, and whether that view has settled. */
export interface StartingPlacement {
  readonly index: number;
  readonly total: number;
  readonly settled: boolean;
}

export abstract class MeshNode extends EventEmitter<MeshNodeEvents> {
  /** This instance's id. */
  readonly id: string;
  /** "host:port" peers reach this node at (the advertised address); "" in static mode. */
  readonly address: string;
  /** True in static mode (no network). */
  abstract readonly isStatic: boolean;
  /** Gossip keys and the encryption rollout switches (README "Encryption and keys"). */
  readonly keyring: NodeKeyring;
  protected readonly options: ResolvedOptions;
  protected readonly logger: Logger;
  /** How packets become bytes; a network node hands it to its runtime. */
  protected readonly codec: SealingCodec;
  protected lifecycle: Lifecycle = 'running';
  protected metadata: Metadata;
  /** The index and total last told by a 'rebalance' (or the starting ones). */
  protected lastIndex: number;
  protected lastTotal: number;
  protected settledFlag: boolean;
  private ring: { viewId: number; ring: Rendezvous } | undefined;
  private resolveClosed!: (info: CloseInfo) => void;
  private closedReported = false;
  /**
   * Settles once the node has stopped for good (after leave() or close(),
   * sockets and timers released), with how it ended; the 'close' event fires
   * at the same moment. It never rejects.
   */
  readonly closed: Promise<CloseInfo>;

  /** @internal Use createNode(). */
  protected constructor(options: ResolvedOptions, logger: Logger, address: string, start: StartingPlacement) {
    super();
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.options = options;
    this.logger = logger;
    this.codec = sealingCodecFor(options);
    this.keyring = new NodeKeyring(this.codec.keyring, this.codec, logger);
    this.id = options.id;
    this.address = address;
    this.metadata = options.metadata;
    this.lastIndex = start.index;
    this.lastTotal = start.total;
    this.settledFlag = start.settled;
  }

  /** This node's base index, thread count, the total, the view id and whether the view has settled. */
  abstract indices(): Indices;

  /** The sorted view (alive and suspect members by id in UTF-8 byte order) with details. */
  abstract members(): MemberInfo[];

  /** One member by id, from the whole membership table (tombstones included). */
  abstract member(id: string): MemberInfo | undefined;

  abstract stats(): NodeStats;

  /** Stops without leaving (peers will detect a failure). No timer or socket stays open. */
  abstract close(): Promise<void>;

  /**
   * Nobody else to join: a node that waits outside its own view for
   * admission (awaitAdmission) enters it, as the first member of a cluster.
   */
  protected abstract formClusterOfOne(): void;

  /**
   * Joins the cluster through `seeds` (default: the seeds given to createNode).
   * Resolves once one seed answered with its full state; rejects with a
   * JoinError when none did within joinTimeoutMs (seeds are retried with
   * backoff meanwhile). Without seeds (or only this node's own address) there
   * is nothing to join and it resolves at once; a static node has nothing to
   * join either.
   *
   * The cluster admits a newcomer at a coordinated deadline (config
   * viewDelayMs) so that every node rebalances at the same moment: until then
   * indices().index is -1. Wait for 'rebalance' (or 'settled') to start work.
   *
   * With `{ retry: false }` every seed is tried once and the JoinError comes
   * as soon as all of them failed, for callers that retry on their own terms.
   *
   * Hostnames and "srv:" seeds are looked up first, once per call (options
   * `resolver`), and every address found is tried; when none resolves the
   * JoinError names each seed and why.
   */
  join(seeds?: readonly string[], options: JoinOptions = {}): Promise<void> {
    if (this.lifecycle !== 'running')
      return Promise.reject(new StateError(`cannot join: the node is ${this.lifecycle}`));
    const list = seeds === undefined ? this.options.seeds : validateSeeds(seeds);
    const targets = [...new Set(list)].filter((seed) => seed !== this.address);
    if (this.isStatic) return Promise.resolve();
    if (targets.length === 0) {
      this.formClusterOfOne();
      return Promise.resolve();
    }
    // Addresses alone need no lookup: the join starts within this call.
    if (targets.every(isAddressSeed)) return this.joinThrough(targets, options);
    return this.joinThroughNames(targets, options);
  }

  /**
   * Names: looked up, then their addresses tried a batch at a time (at most
   * the transport's few concurrent syncs each); with retries, looked up again
   * after a short backoff until joinTimeoutMs is spent.
   */
  private async joinThroughNames(seeds: readonly string[], options: JoinOptions): Promise<void> {
    const deadlineMs = Date.now() + this.options.joinTimeoutMs;
    const failures: Record<string, string> = {};
    let backoffMs = NAME_RETRY_FIRST_MS;
    for (let round = 1; round <= NAME_ROUNDS_MAX; round++) {
      const resolved = await resolveSeeds(seeds, this.options.resolver);
      this.assertRunning();
      Object.assign(failures, resolved.failures);
      const targets = resolved.addresses.filter((address) => address !== this.address);
      // Every name pointed at this node alone: nobody else to join, as with no seeds.
      if (
        targets.length === 0 &&
        resolved.addresses.length > 0 &&
        Object.keys(resolved.failures).length === 0
      ) {
        this.formClusterOfOne();
        return;
      }
      if (targets.length > 0) {
        const outcome = await joinInTurn(
          targets,
          (batch) => this.joinThrough(batch, { retry: false }, Math.max(1, deadlineMs - Date.now())),
          {
            random: Math.random,
            stopped: () => this.lifecycle !== 'running' || Date.now() >= deadlineMs,
            fatal: (error) => FATAL_JOIN_CODES.has((error as { code?: string }).code ?? ''),
          },
        );
        if (outcome.kind === 'joined') return;
        this.assertRunning();
        if (outcome.kind === 'failed') {
          const { error } = outcome;
          if (error instanceof JoinError) Object.assign(failures, error.failures);
          else failures[targets.join(', ')] = error.message;
        }
      }
      const waitMs = Math.min(backoffMs, deadlineMs - Date.now());
      if (options.retry === false || waitMs <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      this.assertRunning();
      backoffMs = Math.min(backoffMs * 2, NAME_RETRY_MAX_MS);
    }
    throw new JoinError(seeds, options.retry === false ? undefined : this.options.joinTimeoutMs, failures);
  }

  private assertRunning(): void {
    if (this.lifecycle !== 'running') throw new StateError(`cannot join: the node is ${this.lifecycle}`);
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
    this.announceMetadata(checked);
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
  abstract forceLeave(id: string): boolean;

  /**
   * Sends a user event to every live member, this one included: each emits
   * 'event' once (here before the call returns). A string payload is sent
   * as its UTF-8 bytes. Returns the event's Lamport time. Throws
   * ValidationError for a bad name (1..128 UTF-8 bytes, no whitespace,
   * commas or control characters), UserEventTooLargeError over
   * userEventPayloadBytesMax, UserEventRateError over
   * userEventSendPerSecondMax, StateError once the node left or closed.
   * Delivery is best effort, like any gossip: a member that is cut off for
   * longer than the event is passed on misses it; one that joins later
   * never sees it.
   */
  abstract broadcast(name: string, payload?: string | Uint8Array): number;

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
    await this.leaveWithin(timeoutMs);
  }

  /** Joins through `targets` (other addresses, at least one) for join(). */
  /** `timeoutMs` (default joinTimeoutMs): how long this call may wait for an answer. */
  protected abstract joinThrough(
    targets: readonly string[],
    options: JoinOptions,
    timeoutMs?: number,
  ): Promise<void>;

  /** Spreads checked metadata before setMetadata() keeps it. */
  protected abstract announceMetadata(metadata: Metadata): void;

  /** Leaves (the node is running, `timeoutMs` is checked) for leave(). */
  protected abstract leaveWithin(timeoutMs: number): Promise<void>;

  /** The node stopped for good: settles `closed` and emits 'close', once. */
  protected reportClosed(): void {
    if (this.closedReported) return;
    this.closedReported = true;
    const info: CloseInfo = { left: this.lifecycle === 'left' };
    this.resolveClosed(info);
    this.safeEmit('close', info);
  }

  protected emitRebalanceIfChanged(index: number, total: number): void {
    if (index === this.lastIndex && total === this.lastTotal) return;
    this.lastIndex = index;
    this.lastTotal = total;
    const indices = this.indices();
    this.safeEmit('rebalance', { ...indices, index, total });
  }

  /** Calls each listener in turn; one that throws is logged and does not stop the others. */
  protected safeEmit<K extends keyof MeshNodeEvents>(name: K, ...args: MeshNodeEvents[K]): void {
    const listeners = this.rawListeners(name as never) as ((...a: MeshNodeEvents[K]) => void)[];
    for (const listener of listeners) {
      try {
        listener.apply(this, args);
      } catch (error) {
        this.logger.error({ err: error, event: name }, 'a meshnode event listener threw');
      }
    }
  }
}
