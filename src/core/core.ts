/**
 * The SWIM + Lifeguard protocol core: a state machine with no I/O. Hosts feed
 * it decoded messages, timer firings and commands together with the current
 * time; it answers through the CoreHost interface (send, schedule, sync,
 * notify). A full-state exchange is whole on each side: the initiator hands
 * the host a finished request, the receiver's answerState merges it and
 * returns the reply, and the initiator's handleSyncReply merges that, so no
 * host knows the order. It never reads a clock and draws randomness only
 * from the RandomSource it is given, so a run replays exactly from its seed.
 *
 * This file is the facade and the node's lifecycle (start, join, sync,
 * leave, reaping); the protocol's parts live beside it: membership.ts (the
 * update rules), prober.ts (failure detection), dissemination.ts (piggyback
 * and gossip), view-tracker.ts and settle-tracker.ts (the sorted view).
 */
import { isIpAddress, isValidAddress } from './address.js';
import { Admission } from './admission.js';
import { Announcement } from './announcement.js';
import { Awareness } from './awareness.js';
import { checkPacketBudget, type ProtocolConfig } from './config.js';
import { CoreContext } from './context.js';
import type { CoreCounters } from './counters.js';
import { Disseminator } from './dissemination.js';
import type { DropCounts } from './drops.js';
import { StateError, ValidationError } from './errors.js';
import { pushPullIntervalMs, viewDelayMs } from './formulas.js';
import type { Channel, CoreHost } from './host.js';
import { JoinerIntroductions } from './joiner-introductions.js';
import { INCARNATION_MAX, THREADS_MAX } from './limits.js';
import type { MemberStoreFactory } from './member-store.js';
import { type MemberRecord, MemberTable, newRecord, snapshotOf } from './member-table.js';
import { aliveMessageOf, Membership } from './membership.js';
import type {
  AliveMessage,
  DigestMessage,
  Message,
  StateMessage,
  StateScope,
  SyncRequest,
  UpdateMessage,
} from './messages.js';
import { PlainMemberStore } from './plain-member-store.js';
import { isInView } from './precedence.js';
import { Prober } from './prober.js';
import { randomInt } from './random.js';
import { ReconnectCandidates } from './reconnect.js';
import { SettleTracker } from './settle-tracker.js';
import { bucketOf, differingBuckets, digestBucketsFor } from './state-digest.js';
import type { Member, MemberSnapshot, Metadata, RandomSource, View } from './types.js';
import { UserEvents } from './user-events.js';
import { validateId, validateMetadata } from './validation.js';
import { ViewDisputes } from './view-disputes.js';
import { ViewTracker } from './view-tracker.js';
import type { WireFormat } from './wire-format.js';

/** The metadata of a remembered failure's row in a join answer: the member's own is no longer held. */
const NO_METADATA: Metadata = Object.freeze({});

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
  /**
   * Makes the store that holds this core's members; default: one private
   * record per member (PlainMemberStore). A simulation passes a store that
   * shares the initial members between its cores.
   */
  readonly memberStore?: MemberStoreFactory;
  /**
   * This node will join through seeds: it stays out of its own view (index
   * -1, never settled) until a cluster admits it at a coordinated deadline.
   * False (the default) starts a cluster of one at once, with index 0.
   */
  readonly joining?: boolean;
  readonly config: ProtocolConfig;
  /** The sizes of the codec the host encodes with, so that packets are filled exactly. */
  readonly wire: WireFormat;
  readonly random: RandomSource;
  readonly host: CoreHost;
}

export interface CoreStats extends Readonly<CoreCounters> {
  readonly drops: Readonly<DropCounts>;
  /** Lifeguard local health score, 0 = healthy. */
  readonly awareness: number;
  readonly broadcastQueueLength: number;
  readonly members: number;
}

/** What forceLeave() did: 'left' when it marked the member; otherwise why it refused. */
export type ForceLeaveResult = 'left' | 'already-left' | 'alive' | 'suspect' | 'unknown' | 'self' | 'stopped';

export class MeshCore {
  readonly id: string;
  private readonly context: CoreContext;
  private readonly config: ProtocolConfig;
  private readonly table: MemberTable;
  private readonly awareness: Awareness;
  private readonly views: ViewTracker;
  private readonly settle: SettleTracker;
  private readonly dissemination: Disseminator;
  private readonly prober: Prober;
  private readonly membership: Membership;
  private readonly reconnect = new ReconnectCandidates();
  private readonly disputes = new ViewDisputes();
  private readonly admission: Admission;
  private readonly announcement: Announcement;
  private readonly joiners = new JoinerIntroductions();
  private readonly userEvents: UserEvents;
  private readonly initialMembers: readonly Member[];
  /** The failed member last asked (by a ping) whether it is back; an ack from it opens the sync. */
  private reconnectProbe: { readonly seq: number; readonly address: string } | undefined;
  /** While joining: the other address the cluster holds our id at, being asked whether it is us. */
  private idCheck:
    | { readonly seq: number; readonly address: string; readonly claim: MemberSnapshot }
    | undefined;
  private isRunning = false;
  private stopped = false;
  private leaveReported = false;
  /** The seed whose answer admitted us: it vouched for the members it listed, not for itself. */
  private admittedBy: string | undefined;
  /** When a view mismatch last triggered a repair sync (one per settleQuietMs at most). */
  private lastRepairSyncAtMs = Number.NEGATIVE_INFINITY;
  /** Peers we sent a digest to and await the answer of: only that answer earns our rows in return. */
  private readonly digestsInFlight = new Set<string>();
  /**
   * Seeds we sent our join request to and await the answer of, each with
   * whether that answer is taken without a ping per row (see mergeState).
   */
  private readonly joinsInFlight = new Map<string, boolean>();

  constructor(options: MeshCoreOptions) {
    validateId(options.id, 'id');
    if (!isIpAddress(options.address)) {
      // Peers drop names from the wire, so a node announcing one could never be reached.
      throw new ValidationError(`address "${options.address}" is not an IP address with a port`);
    }
    const threads = options.threads ?? 1;
    const threadsMax = Math.min(THREADS_MAX, options.config.threadsMax);
    if (!Number.isInteger(threads) || threads < 1 || threads > threadsMax) {
      throw new ValidationError(
        `threads must be an integer from 1 to ${threadsMax} (config.threadsMax), got ${threads}`,
      );
    }
    const incarnation = options.incarnation ?? 0;
    if (!Number.isInteger(incarnation) || incarnation < 0 || incarnation >= INCARNATION_MAX) {
      throw new ValidationError(`incarnation must be an integer from 0 to ${INCARNATION_MAX - 1}`);
    }
    this.config = options.config;
    checkPacketBudget(this.config, options.wire);
    const metadata = validateMetadata(options.metadata ?? {}, this.config.metadataBytesMax);
    this.id = options.id;
    this.initialMembers = options.initialMembers ?? [];
    this.context = new CoreContext(options.id, options.config, options.random, options.host);
    const self = newRecord({ id: options.id, address: options.address, incarnation, threads, metadata }, 0);
    this.table = new MemberTable(options.memberStore?.(self) ?? new PlainMemberStore(self));
    this.awareness = new Awareness(this.config.awarenessMaxMultiplier);
    this.views = new ViewTracker(this.context, this.table);
    if (options.joining !== true) this.views.placeInitially(self, threads);
    this.settle = new SettleTracker(this.context);
    this.dissemination = new Disseminator(this.context, this.table, options.wire);
    this.prober = new Prober(this.context, this.table, this.dissemination, this.awareness, {
      viewId: () => this.views.viewId,
      suspect: (id, suspectIncarnation) => this.membership.applySuspect(id, suspectIncarnation, this.id),
      peerViewId: (fromId, viewId, fresh) => this.notePeerViewId(fromId, viewId, fresh),
    });
    this.admission = new Admission(this.context, {
      viewId: () => this.views.viewId,
      ownAlive: () => this.ownAliveNow(),
      mayVerify: () => !this.joining,
      admit: (update, remainingDelayMs, source) => {
        this.membership.applyAlive(update, remainingDelayMs, source);
        this.introduceJoiners(update.id);
      },
    });
    this.announcement = new Announcement(this.context, this.table, {
      ownAlive: () => this.ownAnnouncement(),
    });
    this.membership = new Membership(
      this.context,
      this.table,
      this.views,
      this.dissemination,
      this.prober,
      this.awareness,
      this.reconnect,
      this.admission,
    );
    this.userEvents = new UserEvents(
      this.context,
      this.dissemination,
      options.wire,
      () => this.membership.awaitingAdmission,
    );
  }

  // ---------------------------------------------------------------- commands

  /** Begins probing, gossip, push-pull and reaping. */
  start(nowMs: number): void {
    if (this.isRunning || this.stopped) return;
    this.isRunning = true;
    const { context, config } = this;
    context.nowMs = nowMs;
    this.membership.incarnations.start(nowMs);
    this.views.lastChangeAtMs = nowMs;
    this.table.self.stateChangedAtMs = nowMs;
    this.membership.adoptInitialMembers(this.initialMembers);
    // Random offsets keep a cluster started at one instant from probing in lockstep.
    context.schedule(randomInt(context.random, config.probeIntervalMs) + 1, { kind: 'probe-tick' });
    if (config.pushPullIntervalMs > 0) {
      // A random phase over the whole period: nodes started together must not sync together.
      const periodMs = pushPullIntervalMs(config.pushPullIntervalMs, this.table.liveCount);
      context.schedule(randomInt(context.random, periodMs) + 1, { kind: 'push-pull' });
    }
    context.schedule(this.reapIntervalMs(), { kind: 'reap' });
    context.schedule(randomInt(context.random, config.reconnectIntervalMs) + 1, { kind: 'reconnect' });
    this.finishInput();
  }

  /** Asks the host to exchange full state with each seed (a join). */
  join(seeds: readonly string[], nowMs: number): void {
    if (!this.acceptsInput()) return;
    this.context.nowMs = nowMs;
    for (const seed of seeds) {
      if (!isValidAddress(seed)) throw new ValidationError(`seed "${seed}" is not host:port`);
    }
    this.membership.awaitingAdmission = seeds.length > 0;
    this.admittedBy = undefined;
    this.reconnect.rememberSeeds(seeds, nowMs);
    // A cluster of one that now joins others waits outside its view to be admitted with them.
    const self = this.table.self;
    if (seeds.length > 0 && this.table.liveCount === 1 && self.viewThreads > 0) this.views.setNow(self, 0);
    if (seeds.length > 0) {
      const request = this.localState(true);
      // A seed's answer decides our cluster only while we are in none. A member told to join
      // a peer (one that answered a discovery query, say) checks that peer's rows as any sync's.
      const inCluster = this.table.liveCount > (isInView(self.state) ? 1 : 0);
      for (const seed of seeds) {
        this.joinsInFlight.set(seed, !inCluster);
        this.requestSync(seed, request);
      }
    } else {
      // Nobody to join: a node that waited outside its view for admission forms a cluster of one.
      this.membership.formClusterOfOne();
    }
    this.finishInput();
  }

  /** Feeds one decoded packet. Updates are applied before probes are answered. */
  handleMessages(messages: readonly Message[], from: string, channel: Channel, nowMs: number): void {
    if (!this.acceptsInput()) return;
    this.context.nowMs = nowMs;
    const { membership, prober } = this;
    // Whom an accusation we can answer (stale, or about us) is answered to directly. Not a
    // packet with a ping for us: its ack goes back and carries the answer from our queue. Not
    // a stream either: the stream's answer carries it, and its source is a connection, not a listener.
    const carriesPing = messages.some((message) => message.type === 'ping' && message.targetId === this.id);
    const senderAddress = channel === 'datagram' && !carriesPing ? from : undefined;
    for (const message of messages) {
      switch (message.type) {
        case 'alive':
          membership.applyAlive(message, message.viewDelayMs, {
            announcement: messages.length === 1 && channel === 'datagram' && from === message.address,
          });
          break;
        case 'suspect':
          membership.applySuspect(message.id, message.incarnation, message.fromId, { senderAddress });
          break;
        case 'dead':
          membership.applyDeath(
            message.id,
            message.incarnation,
            message.fromId,
            message.viewDelayMs,
            senderAddress,
          );
          break;
        case 'left':
          membership.applyDeparture(message.id, 'left', message.incarnation, message.viewDelayMs, {
            senderAddress,
          });
          break;
        case 'user-event':
          this.userEvents.receive(message);
          break;
        default:
          break;
      }
    }
    for (const message of messages) {
      switch (message.type) {
        case 'ping':
          if (message.fromId === this.id && from !== this.table.self.address) {
            // A process with our id is checking whether we are alive: it will refuse to join.
            this.context.counters.idConflicts++;
            this.context.emit({ type: 'conflict', id: this.id, address: from });
          }
          // It knows of us: our announcement reached it, or needs not.
          if (message.targetId === this.id) this.announcement.heardFrom(message.fromId);
          prober.onPing(message, from, channel);
          break;
        case 'ack':
          if (
            this.idCheck !== undefined &&
            message.seq === this.idCheck.seq &&
            from === this.idCheck.address
          ) {
            this.onIdConflict(from);
            return;
          }
          if (this.admission.onAck(message.seq, from)) break;
          if (this.reconnectProbe?.seq === message.seq && from === this.reconnectProbe.address) {
            // A failed member answers: now the full state is worth sending.
            this.reconnectProbe = undefined;
            this.requestSync(from, this.localState(false));
            break;
          }
          prober.onAck(message, from);
          break;
        case 'nack':
          prober.onNack(message, from);
          break;
        case 'ping-req':
          prober.onPingReq(message, from, channel);
          break;
        default:
          break;
      }
    }
    this.finishInput();
  }

  handleTimer(token: number, nowMs: number): void {
    if (!this.isRunning) return;
    const action = this.context.takeTimer(token);
    if (action === undefined) return;
    this.context.nowMs = nowMs;
    switch (action.kind) {
      case 'probe-tick':
        this.onProbeTick();
        break;
      case 'probe-timeout':
        this.prober.onProbeTimeout(action.seq);
        break;
      case 'relay-timeout':
        this.prober.onRelayTimeout(action.seq);
        break;
      case 'verify':
        this.admission.onTimer(action.id, action.seq);
        break;
      case 'announce-repeat':
        this.announcement.onRepeatTimer();
        break;
      case 'announce-pace':
        this.announcement.onPaceTimer();
        break;
      case 'verify-pace':
        this.admission.onPaceTimer();
        break;
      case 'gossip':
        this.onGossipTick();
        break;
      case 'push-pull':
        this.onPushPullTick();
        break;
      case 'follow-up-sync':
        this.syncDigestWithRandomPeer();
        break;
      case 'reconnect':
        this.onReconnectTick();
        break;
      case 'reap':
        this.onReapTick();
        break;
      case 'suspicion':
        this.membership.onSuspicionTimeout(action.id, token);
        break;
      case 'view':
        this.views.onTimer();
        break;
      case 'settle':
        this.settle.onTimer(token);
        break;
      case 'leave-timeout':
        this.reportLeaveDone(false);
        break;
      case 'id-check':
        this.onIdCheckTimeout(action.seq);
        break;
    }
    this.finishInput();
  }

  /**
   * This node's full state for a push-pull exchange. The receiver of an
   * exchange merges the remote state first, then answers with its own.
   */
  private localState(join: boolean, scope?: StateScope): StateMessage {
    const members: MemberSnapshot[] = [];
    const { table, views } = this;
    const self = table.self;
    const wanted = scope === undefined ? undefined : new Set(scope.buckets);
    // Usually no change waits: then every other member's delay is 0, without asking per member.
    const noneWaiting = views.pendingCount === 0;
    // Two tables that agree want no bucket: then there is no row to look for.
    if (wanted === undefined || wanted.size > 0) {
      table.forEach((entry) => {
        if (wanted !== undefined && !wanted.has(bucketOf(entry.id, (scope as StateScope).bucketCount)))
          return;
        const viewDelayMs =
          entry === self ? this.membership.ownViewDelayMs() : noneWaiting ? 0 : views.remainingMs(entry.id);
        members.push(table.stateRow(entry, viewDelayMs));
      });
    }
    const state: StateMessage = {
      type: 'state',
      join,
      fromId: this.id,
      members,
      eventLtime: this.userEvents.ltime,
    };
    return scope === undefined ? state : { ...state, scope };
  }

  /** What a periodic push-pull opens with: a summary of our table (state-digest.ts). */
  private localDigest(): DigestMessage {
    const { buckets, check } = this.table.digest(digestBucketsFor(this.table.size));
    return {
      type: 'digest',
      join: false,
      fromId: this.id,
      buckets,
      check,
      eventLtime: this.userEvents.ltime,
    };
  }

  /**
   * Our answer to a digest: our rows of the buckets where our table differs
   * from the sender's (none when they agree). The sender merges them and
   * pushes its own rows of those buckets back.
   */
  private answerDigest(request: DigestMessage): StateMessage {
    const bucketCount = request.buckets.length;
    const ours = this.table.digest(bucketCount);
    return this.localState(false, { bucketCount, buckets: differingBuckets(ours, request) });
  }

  /**
   * Merges a remote full state with the same precedence rules as gossip.
   * `answeredAt`: the address we dialed, when this state is its answer; its
   * own entry at that address needs no ping of ours. `vouched`: the state
   * answers the join request of a node in no cluster yet, and none of its
   * rows needs a ping: it came over a TCP connection this node opened to a
   * seed it was told to join, which no one off the path can write into, and
   * that seed admitted them by the same rules. Whoever answers our join decides which cluster we
   * join anyway; pinging its members one by one told us nothing more, and
   * cost two packets per member for every joiner. Any other state (a sync,
   * one pushed at us by whoever connects) is verified row by row, as
   * gossip is: a member's stale or forged rows must not enter unchecked.
   */
  private mergeState(state: StateMessage, nowMs: number, answeredAt?: string, vouched = false): void {
    this.context.nowMs = nowMs;
    if (vouched && this.membership.awaitingAdmission && this.admittedBy === undefined)
      this.admittedBy = state.fromId;
    const { membership } = this;
    // What the remote says about us goes first: on admission we step out of
    // our own view before the others step in, so the view never flickers.
    for (const snapshot of state.members) {
      if (snapshot.id !== this.id) continue;
      if (this.claimsOurIdElsewhere(snapshot)) this.startIdCheck(snapshot);
      else membership.mergeSelfSnapshot(snapshot);
    }
    // While we ask whether another process holds our id, its members wait as candidates:
    // a process with a duplicate id must not start probing the cluster.
    const rowsVouched = vouched && this.idCheck === undefined;
    const vouchedIds: string[] = [];
    for (const snapshot of state.members) {
      if (snapshot.id === this.id) continue;
      switch (snapshot.state) {
        case 'alive': {
          // A joiner announces itself: the change starts here, with our own delay.
          const isJoiner = state.join && snapshot.id === state.fromId;
          // A joiner whose id we hold alive elsewhere is not adopted from its
          // request: it asks that address itself and refuses to join if
          // someone answers, or announces itself above the old life if not.
          if (isJoiner && membership.holdsLiveElsewhere(snapshot)) break;
          const firstHand = snapshot.id === state.fromId;
          // Only members this answer brings in are told of us: one already live here came in
          // with an earlier answer (and was told then), or was a member with us before this
          // join. Otherwise each further seed, and each join() of a member, told the whole table again.
          if (rowsVouched && !isInView(this.table.get(snapshot.id)?.state ?? 'dead'))
            vouchedIds.push(snapshot.id);
          membership.applyAlive(snapshot, isJoiner ? membership.freshViewDelayMs() : snapshot.viewDelayMs, {
            firstHand,
            verified: rowsVouched || (firstHand && snapshot.address === answeredAt),
            joinAnswer: rowsVouched,
          });
          break;
        }
        case 'suspect':
        case 'dead':
          // A failure our seed remembers counts against us as against it (lostMostMembers).
          if (snapshot.state === 'dead' && rowsVouched && this.table.get(snapshot.id) === undefined)
            this.reconnect.noteFailed(snapshot.id, snapshot.address, snapshot.incarnation, nowMs, true);
          // Remote deaths are only suspicions here: the member gets its chance to
          // refute. The sender relays them, so it confirms nothing by itself.
          membership.applySuspect(snapshot.id, snapshot.incarnation, state.fromId, {
            confirms: false,
            tellMember: true,
          });
          break;
        case 'left':
          membership.applyDeparture(snapshot.id, 'left', snapshot.incarnation, snapshot.viewDelayMs);
          break;
      }
    }
    this.userEvents.learnClock(state.eventLtime ?? 0, this.membership.awaitingAdmission);
    if (this.idCheck === undefined) this.finishAdmission();
    // After the admission, which queued our alive: they hear of us from us (announcement.ts).
    if (vouchedIds.length > 0) this.announcement.start(vouchedIds);
    this.finishInput();
  }

  /** After a sync (and the id check, if one was needed): enter our own view and announce ourselves. */
  private finishAdmission(): void {
    const { membership } = this;
    membership.enterOwnViewIfOutside();
    if (!membership.awaitingAdmission) return;
    membership.awaitingAdmission = false;
    // A first admission: we vouch for what our seed's answer listed; not for ourselves until we
    // settle, nor for the seed, which may not vouch for itself (a joiner of a cut-off side, say).
    // A member that vouched before and joins again (discovery finding a peer it does not hold,
    // say) keeps what it vouches for: the members it holds now may include joiners of its own
    // side of a split, which would make that side look like a majority.
    if (!this.table.vouchedBefore) {
      this.table.vouchAll(false);
      if (this.admittedBy !== undefined) this.table.unvouch(this.admittedBy);
    }
    // Announce ourselves too, so the news does not rest on the seed alone;
    // a refutation made while merging has queued that announcement already.
    const admissionAtMs = this.views.pendingAtMs(this.id);
    if (admissionAtMs !== undefined)
      this.dissemination.enqueue(aliveMessageOf(this.table.self), admissionAtMs);
    // Members that joined at the same moment were in neither's seed state: each knows of
    // the other by gossip alone, whose last copies miss a node now and then. One digest
    // sync with a random member once the joins around ours have spread finds them.
    const { context, config } = this;
    if (config.pushPullIntervalMs === 0) return;
    const followUpMs = membership.freshViewDelayMs() + randomInt(context.random, config.probeIntervalMs);
    context.schedule(followUpMs, { kind: 'follow-up-sync' });
  }

  /** While joining, the cluster holds our id alive (or suspect) at another address. */
  private claimsOurIdElsewhere(snapshot: MemberSnapshot): boolean {
    if (!this.membership.awaitingAdmission || this.idCheck !== undefined) return false;
    return (
      (snapshot.state === 'alive' || snapshot.state === 'suspect') &&
      snapshot.address !== this.table.self.address
    );
  }

  /**
   * Asks the other address whether it is us (a ping for our own id), over
   * UDP and the stream, and waits twice the probe timeout for an answer
   * before taking the claim for an earlier life of ours.
   */
  private startIdCheck(claim: MemberSnapshot): void {
    const { context } = this;
    const seq = context.random.nextUint32();
    this.idCheck = { seq, address: claim.address, claim };
    const ping: Message = {
      type: 'ping',
      seq,
      targetId: this.id,
      fromId: this.id,
      viewId: this.views.viewId,
    };
    context.host.send(claim.address, [ping], 'datagram');
    context.host.send(claim.address, [ping], 'stream');
    context.schedule(2 * this.config.probeTimeoutMs, { kind: 'id-check', seq });
  }

  private onIdConflict(address: string): void {
    this.idCheck = undefined;
    this.context.emit({ type: 'id-check', outcome: 'conflict', address });
    // Nothing more goes out: the running member keeps its place untouched.
    this.stop();
  }

  private onIdCheckTimeout(seq: number): void {
    const check = this.idCheck;
    if (check === undefined || check.seq !== seq) return;
    this.idCheck = undefined;
    this.context.emit({ type: 'id-check', outcome: 'clear', address: check.address });
    // An earlier life of ours: refute it upward, then be admitted as usual.
    this.membership.mergeSelfSnapshot(check.claim);
    this.finishAdmission();
  }

  /**
   * A peer opened an exchange with `request`. A full state is merged, then
   * this node's state goes back; merging first lets a joiner learn from the
   * answer that it has been admitted. A digest gets our rows of the buckets
   * that differ; rows pushed after such an answer are merged and get an
   * empty acknowledgement. Undefined when this node is not running (there
   * is nothing to answer with).
   */
  answerState(request: SyncRequest, _from: string, nowMs: number): StateMessage | undefined {
    if (!this.acceptsInput()) return undefined;
    if (request.type === 'digest') {
      // No rows to merge, so no admission either: a joiner is admitted by the rows pushed next.
      this.context.nowMs = nowMs;
      this.userEvents.learnClock(request.eventLtime, this.membership.awaitingAdmission);
      const answer = this.answerDigest(request);
      this.finishInput();
      return answer;
    }
    this.mergeState(request, nowMs);
    // A listener called during the merge may have stopped this node: a stopped node does not answer.
    if (!this.acceptsInput()) return undefined;
    // Rows pushed after our answer to a digest: merged, and acknowledged without rows.
    if (request.scope !== undefined) return this.localState(false, { ...request.scope, buckets: [] });
    if (request.join) {
      this.noteJoinAnswer(request);
      return this.joinAnswer(request.fromId);
    }
    return this.localState(false);
  }

  /**
   * Our state for a joiner, who vouches for the live members it lists
   * (lostMostMembers). While we may be the cut-off side, it lists only the
   * live members we vouch for: a joiner of our side must count no more of
   * them than we do, or one joiner on each side of an even split makes both
   * sides a majority. It also lists the failed members that count against
   * us (those since we last settled), reaped or not, as dead rows, so that
   * they count against the joiner too, and no others: a joiner must not
   * count a failure we no longer count, or a replacement for a crashed
   * member would never settle. For the same reason a dead member still in
   * our table goes out only while its failure counts against us.
   * A node of an older version ignores dead rows of members it does not hold.
   * The joiner's own row stays: it never vouches for itself.
   */
  private joinAnswer(joinerId: string): StateMessage {
    const state = this.localState(false);
    const { table } = this;
    const lostMost = this.lostMostMembers();
    const members = state.members.filter((row) => {
      // The joiner counts every dead row against itself (mergeState): only those we count.
      if (row.state === 'dead') return this.reconnect.wasVouched(row.id);
      return !lostMost || !isInView(row.state) || row.id === joinerId || table.isVouched(row.id);
    });
    this.reconnect.forEachCountedFailure((id, address, incarnation) => {
      if (table.get(id) !== undefined || members.length >= this.config.membersMax) return;
      members.push({
        id,
        address,
        incarnation,
        state: 'dead',
        threads: 1,
        metadata: NO_METADATA,
        viewDelayMs: 0,
      });
    });
    return { ...state, members };
  }

  /** Remembers whom a join answer went to, for introductions once both are admitted. */
  private noteJoinAnswer(request: StateMessage): void {
    const own = request.members.find((snapshot) => snapshot.id === request.fromId);
    if (own === undefined || own.state !== 'alive' || own.id === this.id) return;
    // A member we hold elsewhere that the request did not move (anyone can send one) is no joiner.
    const held = this.table.get(own.id);
    if (held !== undefined && isInView(held.state) && held.address !== own.address) return;
    this.joiners.noteAnswer(own.id, own.address);
  }

  /**
   * `id` was just admitted: joiners that met it at us, whose answers and its
   * own both lacked the other, hear of each other from us now
   * (joiner-introductions.ts). Both must be members here, at the addresses
   * they joined from.
   */
  private introduceJoiners(id: string): void {
    const admitted = this.table.get(id);
    if (admitted === undefined || admitted.state !== 'alive') return;
    for (const other of this.joiners.noteAdmitted(id, admitted.address)) {
      const record = this.table.get(other.id);
      if (record === undefined || record.state !== 'alive' || record.address !== other.address) continue;
      this.membership.tellAlive(record.address, admitted);
      this.membership.tellAlive(admitted.address, record);
    }
  }

  /** The answer to an exchange this node opened (through `CoreHost.sync`) arrived. */
  handleSyncReply(reply: StateMessage, from: string, nowMs: number): void {
    if (!this.acceptsInput()) return;
    const answersOurDigest = this.digestsInFlight.delete(from);
    const vouched = this.joinsInFlight.get(from) === true;
    this.joinsInFlight.delete(from);
    this.disputes.syncEnded(from, true, nowMs, this.disputeMuteMs());
    // We dialed `from` and it answered over TCP: what needs no ping, see mergeState.
    this.mergeState(reply, nowMs, from, vouched);
    const differing = reply.scope;
    if (answersOurDigest && differing !== undefined && differing.buckets.length > 0 && this.acceptsInput()) {
      // The second half of the exchange: our rows (merged with theirs) of the buckets that differed.
      this.context.host.sync(from, this.localState(false, differing));
    }
  }

  /**
   * An exchange this node opened failed (refused, timed out, undecodable);
   * `join` is the flag of the request it carried.
   */
  handleSyncFailed(to: string, join: boolean, nowMs: number): void {
    if (!this.acceptsInput()) return;
    this.digestsInFlight.delete(to);
    this.joinsInFlight.delete(to);
    this.disputes.syncEnded(to, false, nowMs, 0);
    this.context.nowMs = nowMs;
    this.context.counters.syncsFailed++;
    // The join gives up once no seed is left to answer: a seed still asked may yet name our id
    // at another address, and only a joiner checks that (claimsOurIdElsewhere).
    if (join && this.joinsInFlight.size === 0) this.membership.awaitingAdmission = false;
    this.finishInput();
  }

  /** Publishes new metadata under a higher incarnation. */
  setMetadata(metadata: Metadata, nowMs: number): void {
    if (!this.acceptsInput() || this.membership.leaving) throw new StateError('the node has left or stopped');
    const checked = validateMetadata(metadata, this.config.metadataBytesMax);
    this.context.nowMs = nowMs;
    const self = this.table.self;
    self.metadata = checked;
    self.incarnation++;
    // The new alive replaces a queued admission or re-admission: it must carry that deadline on.
    this.dissemination.enqueue(aliveMessageOf(self), this.membership.ownAnnouncementViewAtMs());
    this.finishInput();
  }

  /**
   * Sends a user event to every member, this one included (delivered here
   * before the call returns); returns its Lamport time. See user-events.ts.
   */
  broadcast(name: string, payload: string | Uint8Array, nowMs: number): number {
    if (!this.acceptsInput() || this.membership.leaving) throw new StateError('the node has left or stopped');
    this.context.nowMs = nowMs;
    const ltime = this.userEvents.broadcast(name, payload);
    this.finishInput();
    return ltime;
  }

  /**
   * Graceful leave: tells up to `leaveFanout` members directly and gossips
   * the rest of the way. The host hears 'leave-done' once the announcement
   * has gone out, or after `leaveTimeoutMs`.
   */
  leave(nowMs: number): void {
    if (!this.acceptsInput()) return;
    const { context, table } = this;
    context.nowMs = nowMs;
    this.membership.leaving = true;
    table.setState(table.self, 'left');
    table.self.stateChangedAtMs = nowMs;
    this.prober.abandonProbe();
    const viewAtMs = nowMs + this.membership.freshViewDelayMs();
    const announcement: UpdateMessage = {
      type: 'left',
      id: this.id,
      incarnation: table.self.incarnation,
      viewDelayMs: viewAtMs - nowMs,
    };
    this.dissemination.enqueue(announcement, viewAtMs);
    this.views.want(table.self, 0, nowMs);
    const targets = table.sample(context.random, this.config.leaveFanout, (record) => isInView(record.state));
    for (const target of targets) context.host.send(target.address, [announcement], 'datagram');
    // We are out of liveCount already: it counts exactly the members to tell.
    if (targets.length >= table.liveCount) {
      this.reportLeaveDone(true);
    } else {
      context.schedule(this.config.leaveTimeoutMs, { kind: 'leave-timeout' });
    }
    this.finishInput();
  }

  /**
   * An operator's verdict on a failed member (Serf's force-leave): it is
   * marked left at the incarnation it died at. Left outranks dead at one
   * incarnation, so the verdict spreads to every member, and a left member
   * is no reconnect candidate: nobody keeps dialing it. Its tombstone is
   * reaped on the usual schedule. A member in the view (alive or suspect) is
   * refused, as are this node and strangers; the result says which.
   */
  forceLeave(id: string, nowMs: number): ForceLeaveResult {
    if (!this.acceptsInput()) return 'stopped';
    if (id === this.id) return 'self';
    const member = this.table.get(id);
    if (member === undefined) return 'unknown';
    if (member.state === 'alive' || member.state === 'suspect') return member.state;
    if (member.state === 'left') return 'already-left';
    this.context.nowMs = nowMs;
    // A death still waiting for its view deadline keeps that deadline.
    const delayMs = Math.max(0, (this.views.pendingAtMs(id) ?? nowMs) - nowMs);
    this.membership.applyDeparture(id, 'left', member.incarnation, delayMs);
    this.finishInput();
    return 'left';
  }

  /** Stops all processing: nothing more is sent, scheduled or notified. */
  stop(): void {
    this.isRunning = false;
    this.stopped = true;
    this.context.clearTimers();
    this.prober.clearRelays();
    this.disputes.clear();
    this.joinsInFlight.clear();
    this.admission.clear();
    this.announcement.clear();
    this.joiners.clear();
  }

  // ----------------------------------------------------------------- queries

  get running(): boolean {
    return this.isRunning;
  }

  /** Joining, and asking another address that claims our id whether it is us. */
  get checkingId(): boolean {
    return this.idCheck !== undefined;
  }

  get hasLeft(): boolean {
    return this.membership.leaving;
  }

  get incarnation(): number {
    return this.table.self.incarnation;
  }

  /** Every known member, this node and tombstones included. */
  members(): Member[] {
    const members: Member[] = [];
    this.table.forEach((entry) => {
      members.push(snapshotOf(entry));
    });
    return members;
  }

  member(id: string): Member | undefined {
    const record = this.table.get(id);
    return record === undefined ? undefined : snapshotOf(record);
  }

  /** The applied sorted view: alive and suspect members by id in UTF-8 byte order. */
  view(): View {
    return this.views.view();
  }

  get viewId(): number {
    return this.views.viewId;
  }

  /** The cluster total of the applied view. */
  get viewTotal(): number {
    return this.views.total;
  }

  /** This node's index in the applied view, or -1 while it is not in it (without building the view). */
  ownIndex(): number {
    return this.views.ownIndex();
  }

  /** A member's index in the applied view, or -1 while it is not in it. */
  indexOf(id: string): number {
    return this.views.indexOf(id);
  }

  get settled(): boolean {
    return this.settle.settled;
  }

  /** Members whose view change is still waiting for its deadline. */
  get pendingViewChanges(): number {
    return this.views.pendingCount;
  }

  stats(): CoreStats {
    return {
      ...this.context.counters,
      drops: { ...this.context.drops },
      awareness: this.awareness.health,
      broadcastQueueLength: this.dissemination.queueLength,
      members: this.table.size,
    };
  }

  /** Smoothed RTT to a member measured from direct acks, when known. */
  rttMs(id: string): number | undefined {
    return this.table.get(id)?.rttMs;
  }

  /**
   * Each other member's measured round-trip time (members never measured are
   * left out), read in place: stats are scraped periodically, and a snapshot
   * of every member per scrape is garbage proportional to the mesh.
   */
  forEachRttMs(visit: (id: string, rttMs: number) => void): void {
    this.table.forEach((entry) => {
      if (entry.rttMs !== undefined && entry.id !== this.context.id) visit(entry.id, entry.rttMs);
    });
  }

  // --------------------------------------------------------------- periodic

  private onProbeTick(): void {
    const periodMs = this.prober.endPeriod();
    this.context.schedule(periodMs, { kind: 'probe-tick' });
    if (!this.membership.leaving) this.prober.probeNext();
  }

  private onGossipTick(): void {
    this.dissemination.onGossipTick();
    // Everything queued, our leave included, has gone out as often as it should.
    if (this.membership.leaving && this.dissemination.queueLength === 0) this.reportLeaveDone(true);
  }

  private onPushPullTick(): void {
    const { context, table } = this;
    const intervalMs = pushPullIntervalMs(this.config.pushPullIntervalMs, table.liveCount);
    context.schedule(this.jittered(intervalMs), { kind: 'push-pull' });
    if (this.membership.leaving) return;
    this.syncDigestWithRandomPeer();
  }

  /** A push-pull with one random live member, opening with a digest. */
  private syncDigestWithRandomPeer(): void {
    const { context, table } = this;
    if (this.membership.leaving || !this.isRunning) return;
    const [peer] = table.sample(context.random, 1, (record) => record.state === 'alive');
    if (peer === undefined) return;
    // Agreeing tables cost a digest and an empty answer; rows move only where they differ.
    this.digestsInFlight.add(peer.address);
    this.requestSync(peer.address, this.localDigest());
  }

  /**
   * Serf-style reconnect: a full sync with one member we hold failed, long
   * after its tombstone is reaped, so both sides of a healed partition of
   * any length meet again; and, while this node is alone or has lost most of
   * the members it knew, with one of its seeds too: "no seed answered" is
   * never final.
   */
  private onReconnectTick(): void {
    const { context, config, table, reconnect } = this;
    context.schedule(this.jittered(config.reconnectIntervalMs), { kind: 'reconnect' });
    if (this.membership.leaving || this.membership.awaitingAdmission) return;
    reconnect.expire(context.nowMs, config.reconnectTimeoutMs);
    if (reconnect.failedCount > 0) {
      const candidate = reconnect.failedAt(randomInt(context.random, reconnect.failedCount));
      const current = candidate === undefined ? undefined : table.get(candidate.id);
      if (candidate !== undefined && (current === undefined || !isInView(current.state))) {
        this.askIfBack(candidate.id, candidate.address);
      }
    }
    if (this.aloneOrLostMost() && reconnect.seedCount > 0) {
      const seed = reconnect.seedAt(randomInt(context.random, reconnect.seedCount));
      if (seed !== undefined && seed !== table.self.address) {
        this.requestSync(seed, this.localState(false));
      }
    }
  }

  private onReapTick(): void {
    const { context, table } = this;
    context.schedule(this.reapIntervalMs(), { kind: 'reap' });
    const expired: MemberRecord[] = [];
    for (const id of table.tombstones) {
      const record = table.record(id);
      if (record === undefined) continue;
      const old = context.nowMs - record.stateChangedAtMs >= this.config.tombstoneRetentionMs;
      if (old && record.viewThreads === 0 && this.views.pendingAtMs(id) === undefined) expired.push(record);
    }
    for (const record of expired) {
      table.remove(record);
      this.dissemination.forget(record.id);
      context.emit({ type: 'member', kind: 'reap', member: snapshotOf(record) });
    }
  }

  private reapIntervalMs(): number {
    return Math.max(1000, Math.min(10_000, Math.floor(this.config.tombstoneRetentionMs / 4)));
  }

  // ------------------------------------------------------------------ state

  /**
   * A peer in our view echoing another viewId means the cluster has not
   * agreed yet. When our own view has been quiet for settleQuietMs, the
   * difference is no change in flight but news one of us missed: a full
   * sync with that peer repairs it now rather than at the next push-pull.
   */
  private notePeerViewId(fromId: string, viewId: number, fresh: boolean): void {
    const record = this.table.get(fromId);
    if (record === undefined || record.viewThreads === 0) return;
    const { context, config } = this;
    if (viewId === this.views.viewId) {
      // Only an answer to our own probe settles a dispute: a ping may be an old or a forged one.
      if (fresh) {
        this.disputes.agreed(fromId);
        this.settle.noteEcho(fromId);
      } else {
        this.settle.noteWitness(fromId);
      }
      return;
    }
    if (!this.disputes.counts(fromId, context.nowMs)) return;
    this.settle.noteMismatch();
    const quietMs = config.settleQuietMs;
    const ourViewIsQuiet =
      context.nowMs - this.views.lastChangeAtMs >= quietMs && this.views.pendingCount === 0;
    const canSync = !this.membership.leaving && !this.membership.awaitingAdmission;
    if (ourViewIsQuiet && canSync && context.nowMs - this.lastRepairSyncAtMs >= quietMs) {
      this.lastRepairSyncAtMs = context.nowMs;
      this.disputes.repairing(fromId, record.address);
      this.requestSync(record.address, this.localState(false));
    }
  }

  /**
   * No more live members we vouch for than failed members we vouched for
   * and still remember (for reconnectTimeoutMs): we may be the cut-off half,
   * so we neither vouch for our view (the two halves' settled indices would
   * overlap) nor rest until we find the others. Only a strict majority of
   * what we knew settles.
   *
   * "Vouched for": held when we last settled (member-table.ts), or listed
   * by the seed whose answer admitted us. A member first seen since then
   * does not count: otherwise new members joining both sides of an even
   * split would make each side a majority of what it knows, and both sides
   * would settle on overlapping indices.
   */
  private lostMostMembers(): boolean {
    const { reconnect, table } = this;
    if (reconnect.failedCount === 0) return false;
    // Started from a given view (a view file) and not settled yet: we vouch for nobody, and
    // count every member. A view file may list members long gone, and their failures must not
    // hold a cluster that formed without them unsettled.
    if (!table.vouchedBefore) return table.liveCount <= reconnect.failedCount;
    const failed = reconnect.vouchedFailedCount;
    return failed > 0 && this.table.vouchedLiveCount <= failed;
  }

  private aloneOrLostMost(): boolean {
    return this.othersInView() === 0 || this.lostMostMembers();
  }

  /** Live members besides this node (0 when only its own threads, or none, are in the view). */
  private othersInView(): number {
    if (this.views.total === this.table.self.viewThreads) return 0;
    // liveCount includes this node while it is in its own view.
    return this.table.liveCount - (isInView(this.table.self.state) ? 1 : 0);
  }

  /**
   * Pings a failed member (UDP and the stream) before a full sync: a member
   * still gone costs one small packet per reconnect interval instead of a
   * state of every member, and one that is back answers, which opens the sync.
   */
  private askIfBack(id: string, address: string): void {
    const { context } = this;
    const seq = context.random.nextUint32();
    this.reconnectProbe = { seq, address };
    const ping: Message = { type: 'ping', seq, targetId: id, fromId: this.id, viewId: this.views.viewId };
    context.host.send(address, [ping], 'datagram');
    context.host.send(address, [ping], 'stream');
  }

  /** How long a peer's view claims are muted after a repair at first: the time it needs to apply our state. */
  private disputeMuteMs(): number {
    return viewDelayMs(this.config.viewDelayMs, this.table.liveCount) + this.config.settleQuietMs;
  }

  /**
   * An alive about this node for a verification ping, while its own news is
   * still spreading (it joined, refuted or changed): then the candidate may
   * not know it yet. Not otherwise, so that a forged alive naming a victim's
   * address draws no more than three bare pings there.
   */
  private ownAliveNow(): AliveMessage | undefined {
    if (!this.dissemination.isQueued(this.id)) return undefined;
    return this.ownAnnouncement();
  }

  /** Our alive with the view deadline our announcements carry; undefined while joining or leaving. */
  private ownAnnouncement(): AliveMessage | undefined {
    if (this.membership.leaving || this.joining) return undefined;
    const viewAtMs = this.membership.ownAnnouncementViewAtMs();
    const viewDelayMs = viewAtMs > 0 ? Math.max(0, Math.round(viewAtMs - this.context.nowMs)) : 0;
    return { ...aliveMessageOf(this.table.self), viewDelayMs };
  }

  /** Still joining: not admitted yet, or asking whether another process holds our id. */
  private get joining(): boolean {
    return this.membership.awaitingAdmission || this.idCheck !== undefined;
  }

  /** Opens a full-state exchange; the host reports back through handleSyncReply or handleSyncFailed. */
  private requestSync(to: string, request: SyncRequest): void {
    this.context.counters.syncs++;
    this.context.host.sync(to, request);
  }

  /** Ends every input: one 'view' event for all its changes, then the settled flag. */
  private finishInput(): void {
    // Candidates held while joining go out once admitted (or once the join gave up).
    if (this.isRunning) this.admission.resume();
    const change = this.views.takeChange();
    if (change !== undefined) this.context.emit({ type: 'view', ...change });
    const nothingPending =
      this.isRunning &&
      !this.membership.leaving &&
      !this.membership.awaitingAdmission &&
      this.views.pendingCount === 0 &&
      this.table.suspectCount === 0 &&
      this.table.self.viewThreads > 0 &&
      // A view change this node still spreads has not reached everyone yet: in a
      // join storm the last nodes hear of the last joiners seconds after the first settle.
      this.dissemination.viewChangesInFlight === 0 &&
      !this.membership.conflictActive &&
      // Lifeguard's local health: a node that misses acks probes slowly, so
      // members it lost touch with may still sit in its view unsuspected.
      this.awareness.health === 0 &&
      !this.lostMostMembers();
    const muted = this.disputes.mutedCount(this.context.nowMs);
    if (this.settle.update(nothingPending, this.views.lastChangeAtMs, this.othersInView(), muted)) {
      // Settled: every live node holds our view, so every member we hold is one we vouch for,
      // and failures count against this view from now on (ReconnectCandidates.stopCounting).
      if (this.settle.settled) {
        this.table.vouchAll(true);
        this.reconnect.stopCounting();
      }
      this.context.emit({ type: 'settled', settled: this.settle.settled, viewId: this.views.viewId });
    }
  }

  private reportLeaveDone(announced: boolean): void {
    if (!this.membership.leaving || this.leaveReported) return;
    this.leaveReported = true;
    this.context.emit({ type: 'leave-done', announced });
  }

  private acceptsInput(): boolean {
    return this.isRunning && !this.stopped;
  }

  /** A period with up to 10% jitter either way, so periodic syncs spread out. */
  private jittered(periodMs: number): number {
    const spread = Math.floor(periodMs / 10);
    return periodMs - spread + randomInt(this.context.random, 2 * spread + 1);
  }
}
