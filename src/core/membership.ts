/**
 * The membership rules: how alive, suspect, dead and left updates change the
 * table (by the precedence of precedence.ts), start and confirm Lifeguard
 * suspicions, schedule view changes at their deadline, and make this node
 * refute whatever contradicts it. Every accepted update is queued for
 * dissemination and raised as a member event.
 */

import type { Admission, AliveSource } from './admission.js';
import type { Awareness } from './awareness.js';
import { setNewest } from './bounded.js';
import type { CoreContext } from './context.js';
import type { Disseminator } from './dissemination.js';
import { expectedConfirmations, suspicionTimeoutMinMs, viewDelayMs } from './formulas.js';
import type { MemberEventKind } from './host.js';
import { IncarnationBounds } from './incarnation-bounds.js';
import { INCARNATION_MAX } from './limits.js';
import {
  type MemberEntry,
  type MemberRecord,
  type MemberTable,
  newRecord,
  snapshotOf,
} from './member-table.js';
import type { AliveMessage, UpdateMessage } from './messages.js';
import { isInView, judgeUpdate } from './precedence.js';
import type { Prober } from './prober.js';
import type { ReconnectCandidates } from './reconnect.js';
import { StaleCorrections } from './stale-corrections.js';
import { SUSPICION_FLOOR_PERIODS, Suspicion } from './suspicion.js';
import type { Member, MemberSnapshot, MemberState } from './types.js';
import type { ViewTracker } from './view-tracker.js';

/** How a suspicion arrived. */
export interface SuspectOptions {
  /** False: second-hand news (a full-state merge), which never counts as a confirmation. */
  readonly confirms?: boolean;
  /** Tell the member at once: second-hand news it may not have heard. */
  readonly tellMember?: boolean;
  /** Where the datagram that carried it came from, answered directly when it is stale. */
  readonly senderAddress?: string | undefined;
}

/** How a departure arrived. */
export interface DepartureOptions {
  /** Who declared the death; relays pass it on, so one accuser stays one accuser downstream. */
  readonly accuserId?: string;
  /** Where the datagram that carried it came from, answered directly when it is stale. */
  readonly senderAddress?: string | undefined;
}

/** An alive update, from a message or a full-state snapshot. */
export type AliveUpdate = Omit<AliveMessage, 'type' | 'viewDelayMs'>;

/**
 * A verdict held back while our own network fails waits at most this many
 * maximum suspicion timeouts: a node alone with crashed members cannot tell
 * that from being cut off, and must decide some time (a death it then
 * spreads reaches others only as a suspicion, so it can evict nobody).
 */
const HOLD_MAX_TIMEOUTS = 10;
/** A flip back within this many probe periods is two processes with one id, not a move. */
const CONFLICT_WINDOW_PERIODS = 30;
/** Address changes remembered at once; the oldest are forgotten first. */
const ADDRESS_CHANGES_MAX = 1024;

export class Membership {
  /** This node announced its leave: nothing about it is refuted any more. */
  leaving = false;
  /** True from join() until a seed's state admits this node. */
  awaitingAdmission = false;
  /** The re-admission deadline our last refutation carries: every repeat of it must carry the same. */
  private refutationViewAtMs = 0;
  /** Recent address changes of live members, oldest first (bounded), to tell a restart from a fight. */
  private readonly addressChanges = new Map<string, { readonly from: string; readonly atMs: number }>();
  private conflictUntilMs = 0;
  readonly incarnations: IncarnationBounds;
  private readonly staleCorrections: StaleCorrections;

  constructor(
    private readonly context: CoreContext,
    private readonly table: MemberTable,
    private readonly views: ViewTracker,
    private readonly dissemination: Disseminator,
    private readonly prober: Prober,
    private readonly awareness: Awareness,
    private readonly reconnect: ReconnectCandidates,
    private readonly admission: Admission,
  ) {
    this.incarnations = new IncarnationBounds(table.self.incarnation);
    this.staleCorrections = new StaleCorrections(context.config.probeIntervalMs);
  }

  /**
   * Drops and counts a claim no honest node can make (see
   * incarnation-bounds.ts); `accusation`: a suspect, dead or left, which
   * must also stay within a step of what we know of its subject.
   */
  private implausible(id: string, incarnation: number, accusation: boolean): boolean {
    const { context } = this;
    if (this.incarnations.aheadOfClock(incarnation, context.nowMs)) {
      context.drop('incarnation-ahead');
      return true;
    }
    if (!accusation) return false;
    const known = this.table.get(id)?.incarnation;
    if (known !== undefined && this.incarnations.jumpsTooFar(known, incarnation)) {
      context.drop('incarnation-jump');
      return true;
    }
    return false;
  }

  /**
   * The view delay a full state carries for this node: what remains of the
   * re-admission deadline our last refutation carries, or of our pending
   * entry into our own view (a fresh one if none is planned yet). Without
   * it, the receiver would admit us at once while everyone else waits.
   */
  ownViewDelayMs(): number {
    const nowMs = this.context.nowMs;
    let delayMs = Math.max(0, this.refutationViewAtMs - nowMs);
    const self = this.table.self;
    if (self.viewThreads === 0 && !this.leaving) {
      const plannedAtMs = this.views.pendingAtMs(self.id);
      delayMs = Math.max(delayMs, plannedAtMs === undefined ? this.freshViewDelayMs() : plannedAtMs - nowMs);
    }
    return delayMs;
  }

  /**
   * The view deadline an alive about ourselves must carry now: our pending
   * admission, or the re-admission our last refutation announced, whichever
   * is later; 0 when none is pending.
   */
  ownAnnouncementViewAtMs(): number {
    const nowMs = this.context.nowMs;
    const self = this.table.self;
    const pendingAtMs = this.views.pendingAtMs(self.id) ?? 0;
    const queuedAtMs = this.dissemination.viewAtOf(self.id) ?? 0;
    const refutedAtMs = this.refutationViewAtMs;
    const latest = Math.max(pendingAtMs, queuedAtMs, refutedAtMs);
    return latest > nowMs ? latest : 0;
  }

  /**
   * After a full sync: a node outside its own view (a joiner) that the
   * remote did not schedule for admission announces itself, to enter at a
   * fresh deadline together with everyone who hears it.
   */
  enterOwnViewIfOutside(): void {
    const self = this.table.self;
    if (this.leaving || self.viewThreads > 0 || this.views.pendingAtMs(self.id) !== undefined) return;
    const atMs = this.context.nowMs + this.freshViewDelayMs();
    this.views.want(self, self.threads, atMs);
    this.dissemination.enqueue(aliveMessageOf(self), atMs);
  }

  /**
   * Nobody to join: enter our own view at once if we are outside it and
   * alone (there is nobody to coordinate a deadline with, nor to tell).
   */
  formClusterOfOne(): void {
    const self = this.table.self;
    if (this.leaving || self.viewThreads > 0 || this.views.pendingAtMs(self.id) !== undefined) return;
    // liveCount counts this node too.
    if (this.table.liveCount > 1) {
      this.enterOwnViewIfOutside();
      return;
    }
    this.views.setNow(self, self.threads);
  }

  /** Whether we hold `claim.id` alive or suspect at an address other than the one it claims. */
  holdsLiveElsewhere(claim: AliveUpdate): boolean {
    const entry = this.table.get(claim.id);
    return entry !== undefined && isInView(entry.state) && entry.address !== claim.address;
  }

  /**
   * A live member moved from `from` to `to`. A restart at a new address does
   * that once; two processes fighting over one id flip back and forth. A
   * flip back to the address it just left, within CONFLICT_WINDOW_PERIODS
   * probe periods, is reported as a conflict and holds `settled` off for as
   * long (the two would share one index range).
   */
  private noteAddressChange(id: string, from: string, to: string): void {
    const { context } = this;
    const windowMs = CONFLICT_WINDOW_PERIODS * context.config.probeIntervalMs;
    const last = this.addressChanges.get(id);
    if (last !== undefined && last.from === to && context.nowMs - last.atMs < windowMs) {
      this.conflictUntilMs = context.nowMs + windowMs;
      context.counters.idConflicts++;
      context.emit({ type: 'conflict', id, address: to });
      // Look at `settled` again when the window closes.
      context.schedule(windowMs, { kind: 'settle' });
    }
    setNewest(this.addressChanges, id, { from, atMs: context.nowMs }, ADDRESS_CHANGES_MAX);
  }

  /** Two addresses claimed one live id within the conflict window. */
  get conflictActive(): boolean {
    return this.context.nowMs < this.conflictUntilMs;
  }

  /** When a conflict stops holding `settled` off (0: none). */
  get conflictEndsAtMs(): number {
    return this.conflictUntilMs;
  }

  /** The view delay for a change that starts at this node. */
  freshViewDelayMs(): number {
    return viewDelayMs(this.context.config.viewDelayMs, this.table.liveCount);
  }

  /**
   * `source.firstHand`: the member itself says so (its own entry in the full
   * state it sent us), which a reaped member's memory must not refuse: it
   * is talking to us, so it is alive. `source.verified`: it has answered us
   * at this address (admission.ts); news of a member not in the view waits
   * for that. News of a member new to us is passed on as a backup only
   * (Disseminator.enqueue) when it is `source.joinAnswer`, a row of the
   * answer to our own join request (our seed holds the member alive: the
   * cluster knows it already), or `source.announcement`, a joiner telling
   * every member it knows of itself (announcement.ts).
   */
  applyAlive(update: AliveUpdate, delayMs: number, source: AliveSource = {}): void {
    const { context, table } = this;
    const firstHand = source.firstHand === true;
    const verified = source.verified === true;
    if (this.implausible(update.id, update.incarnation, false)) return;
    if (update.threads > context.config.threadsMax) {
      context.drop('threads-max');
      return;
    }
    if (update.id === context.id) {
      this.hearAboutSelf('alive', update.incarnation, update);
      return;
    }
    const entry = table.get(update.id);
    if (judgeUpdate(entry, { state: 'alive', incarnation: update.incarnation }) !== 'apply') {
      if (entry?.state === 'alive' && entry.incarnation === update.incarnation) {
        // The same news by another path: its deadline may be the earlier one.
        this.views.want(entry, entry.threads, context.nowMs + delayMs);
        this.dissemination.lowerViewAt(entry.id, context.nowMs + delayMs);
      } else if (entry !== undefined && (entry.state === 'dead' || entry.state === 'left')) {
        this.correctStaleAlive(entry.id, entry.state, entry.incarnation);
      }
      return;
    }
    let kind: MemberEventKind;
    let previous: Member | undefined;
    let target: MemberRecord;
    if (entry === undefined) {
      const ended = this.reconnect.departure(update.id);
      if (!firstHand && ended !== undefined && update.incarnation <= ended.incarnation) {
        // Reaped, but remembered: an alive of the life that ended is second-hand
        // stale news, answered as for a tombstone we still hold.
        this.correctStaleAlive(update.id, ended.state, ended.incarnation);
        return;
      }
      if (this.mustVerify(verified)) {
        this.admission.hold(update, delayMs, source);
        return;
      }
      if (table.size >= context.config.membersMax) {
        context.drop('members-max');
        return;
      }
      target = newRecord(update, context.nowMs);
      // Back after its tombstone was reaped: the failure we remembered is over, as below.
      table.add(target, this.reconnect.wasVouched(update.id));
      this.reconnect.forget(update.id);
      this.prober.addToOrder(target.id);
      kind = 'join';
    } else {
      // A failed member back at the address it had needs no ping of ours: holding back the
      // return of a member we knew there made the views of lossy nodes disagree for long.
      if (!isInView(entry.state) && entry.address !== update.address && this.mustVerify(verified)) {
        this.admission.hold(update, delayMs, source);
        return;
      }
      const record = table.own(entry);
      target = record;
      previous = snapshotOf(record);
      const wasLive = isInView(record.state);
      kind = record.state === 'suspect' ? 'alive-again' : wasLive ? 'update' : 'join';
      if (wasLive && record.address !== update.address)
        this.noteAddressChange(record.id, record.address, update.address);
      record.address = update.address;
      record.incarnation = update.incarnation;
      record.threads = update.threads;
      record.metadata = update.metadata;
      record.suspicion = undefined;
      if (record.state !== 'alive') record.stateChangedAtMs = context.nowMs;
      table.setState(record, 'alive');
      this.reconnect.forget(record.id);
      if (!wasLive) this.prober.addToOrder(record.id);
    }
    this.views.want(target, target.threads, context.nowMs + delayMs);
    const backup = entry === undefined && (source.joinAnswer === true || source.announcement === true);
    const spread = backup ? 'backup' : 'full';
    this.dissemination.enqueue(aliveMessageOf(target), this.views.pendingAtMs(target.id) ?? 0, spread);
    this.emitMember(kind, target, previous);
    // A refutation may also carry new details; listeners for updates must not miss them.
    if (kind === 'alive-again' && previous !== undefined && !sameAnnouncement(previous, target))
      this.emitMember('update', target, previous);
  }

  private mustVerify(verified: boolean): boolean {
    return !verified && this.context.config.verifyMembers;
  }

  /**
   * `fromId` suspects `id`. `confirms` false: the news came second-hand (a
   * full-state merge names the peer that relayed it, not who suspected), so
   * it may start a suspicion but never counts as an independent confirmation.
   * `tellMember`: tell the member at once (it may not have heard).
   */
  applySuspect(
    id: string,
    incarnation: number,
    fromId: string,
    { confirms = true, tellMember = false, senderAddress }: SuspectOptions = {},
  ): void {
    const { context, table } = this;
    if (this.implausible(id, incarnation, true)) return;
    if (id === context.id) {
      this.hearAboutSelf('suspect', incarnation, undefined, senderAddress);
      return;
    }
    const entry = table.get(id);
    const verdict = judgeUpdate(entry, { state: 'suspect', incarnation });
    if (entry === undefined || verdict === 'advance') return;
    if (verdict === 'ignore') {
      this.correctStaleAccusation(entry, incarnation, senderAddress);
      return;
    }
    const record = table.own(entry);
    if (verdict === 'confirm') {
      const suspicion = record.suspicion;
      if (!confirms) return;
      // Any packet can name an accuser: below Lifeguard's floor only members we hold live count.
      const fromMember = isInView(table.get(fromId)?.state ?? 'dead');
      if (
        suspicion !== undefined &&
        suspicion.incarnation === incarnation &&
        suspicion.confirm(fromId, fromMember)
      ) {
        this.scheduleSuspicionTimer(record, suspicion);
        // Lifeguard: a new independent confirmation is worth spreading.
        this.dissemination.enqueue({ type: 'suspect', id, incarnation, fromId }, 0);
      }
      return;
    }
    const previous = snapshotOf(record);
    record.incarnation = incarnation;
    record.stateChangedAtMs = context.nowMs;
    table.setState(record, 'suspect');
    const { suspicionMult, suspicionMaxTimeoutMult, suspicionConfirmationsMax, probeIntervalMs } =
      context.config;
    const minMs = suspicionTimeoutMinMs(suspicionMult, table.liveCount, probeIntervalMs);
    const suspicion = new Suspicion(
      incarnation,
      fromId,
      context.nowMs,
      expectedConfirmations(suspicionMult, table.liveCount),
      minMs,
      minMs * suspicionMaxTimeoutMult,
      suspicionConfirmationsMax,
      Math.min(minMs, SUSPICION_FLOOR_PERIODS * probeIntervalMs),
    );
    record.suspicion = suspicion;
    this.scheduleSuspicionTimer(record, suspicion);
    context.counters.suspicions++;
    this.dissemination.enqueue({ type: 'suspect', id, incarnation, fromId }, 0);
    if (fromId !== context.id) this.prober.probeSoon(id);
    if (tellMember) {
      // Second-hand news (a lone death, a merged state): the member may not
      // know it is accused. Tell it now rather than when a probe or a gossip
      // round happens to reach it, so it refutes before anyone's timer runs out.
      this.prober.tellSuspect(record, { type: 'suspect', id, incarnation, fromId });
    }
    this.emitMember('suspect', record, previous);
  }

  /**
   * A death declared elsewhere. When we hold the member alive, nobody's
   * suspicion of it reached us, so perhaps not the member either: one
   * accuser's verdict (a node at heavy loss, or back from a cut with stale
   * timers) must not be final. It becomes a suspicion of our own, which the
   * member hears and can refute; the accuser counts as its first confirmer.
   * In an ordinary crash the suspicion spread first, so we already hold the
   * member suspect and the death applies at once.
   */
  applyDeath(id: string, incarnation: number, fromId: string, delayMs: number, senderAddress?: string): void {
    if (this.implausible(id, incarnation, true)) return;
    const entry = this.table.get(id);
    if (id !== this.context.id && entry !== undefined && incarnation >= entry.incarnation) {
      if (entry.state === 'alive') {
        this.applySuspect(id, incarnation, fromId, { tellMember: true });
        return;
      }
      const suspicion = entry.state === 'suspect' ? entry.suspicion : undefined;
      // Only the suspicion's own origin accuses, and nobody confirmed it: still one accuser.
      const lone =
        suspicion !== undefined && !suspicion.independentlyAccused && fromId === suspicion.originId;
      if (
        suspicion?.incarnation === incarnation &&
        (lone || !suspicion.hadTimeToRefute(this.context.nowMs))
      ) {
        // Perhaps the member never heard of it: give it the minimum timeout
        // from our own start to refute, and tell it now.
        const record = this.table.own(entry);
        if (suspicion.jumpToMinimum()) {
          this.scheduleSuspicionTimer(record, suspicion);
          const accusation: UpdateMessage = { type: 'suspect', id, incarnation, fromId };
          this.dissemination.send(record.address, [accusation], 'datagram');
        }
        return;
      }
    }
    this.applyDeparture(id, 'dead', incarnation, delayMs, { accuserId: fromId, senderAddress });
  }

  /** Dead (failure detected) or left (graceful): out of the view after the delay. */
  applyDeparture(
    id: string,
    state: 'dead' | 'left',
    incarnation: number,
    delayMs: number,
    { accuserId = this.context.id, senderAddress }: DepartureOptions = {},
  ): void {
    const { context } = this;
    if (this.implausible(id, incarnation, true)) return;
    if (id === context.id) {
      this.hearAboutSelf(state, incarnation, undefined, senderAddress);
      return;
    }
    const entry = this.table.get(id);
    if (entry === undefined) return;
    const verdict = judgeUpdate(entry, { state, incarnation });
    if (verdict === 'advance') this.table.own(entry).incarnation = incarnation;
    if (verdict === 'ignore') this.correctStaleAccusation(entry, incarnation, senderAddress);
    if (verdict === 'ignore' && entry.state === state && entry.incarnation === incarnation) {
      // The same departure by another path (or declared by two nodes at
      // once): keep the earliest deadline, so all nodes apply it together.
      this.views.want(entry, 0, context.nowMs + delayMs);
    }
    if (verdict !== 'apply') return;
    const record = this.table.own(entry);
    const previous = snapshotOf(record);
    record.incarnation = incarnation;
    record.stateChangedAtMs = context.nowMs;
    record.suspicion = undefined;
    this.table.setState(record, state);
    if (state === 'dead')
      this.reconnect.noteFailed(id, record.address, incarnation, context.nowMs, this.table.isVouched(id));
    else this.reconnect.noteLeft(id, record.address, incarnation, context.nowMs);
    this.views.want(record, 0, context.nowMs + delayMs);
    const message: UpdateMessage =
      state === 'left'
        ? { type: 'left', id, incarnation, viewDelayMs: 0 }
        : { type: 'dead', id, incarnation, fromId: accuserId, viewDelayMs: 0 };
    this.dissemination.enqueue(message, this.views.pendingAtMs(id) ?? 0);
    this.emitMember(state === 'left' ? 'leave' : 'fail', record, previous);
  }

  /**
   * Someone accuses a member at an incarnation it has already refuted: they
   * missed the refutation. Spreading the newer alive again corrects them;
   * otherwise they could declare it dead at the old incarnation and keep a
   * different view until the next full sync. The sender of the datagram
   * holds the accusation (or relays it) and hears the alive at once; the
   * gossip copy is for whoever else does. One queue entry per member bounds
   * the cost however many arrive.
   */
  private correctStaleAccusation(record: MemberEntry, incarnation: number, senderAddress?: string): void {
    if (record.state !== 'alive' || incarnation >= record.incarnation) return;
    const self = record === this.table.self;
    // Not admitted yet: not even gossip about ourselves (answerSender says why).
    if (self && this.awaitingAdmission) return;
    // Keep the deadline the alive already carries (a refutation's re-admission):
    // a copy that said "apply now" would let some nodes re-admit early.
    const viewAtMs = self ? this.ownAnnouncementViewAtMs() : this.gossipViewAtMs(record);
    this.answerSender(senderAddress, record, viewAtMs);
    if (this.dissemination.isFresh(record.id)) return;
    this.dissemination.enqueue(aliveMessageOf(record), viewAtMs);
  }

  /**
   * Tells the sender of an accusation our newer alive of `record` directly,
   * within the budget of stale-corrections.ts, when a live member is held
   * at that address.
   */
  private answerSender(senderAddress: string | undefined, record: MemberEntry, viewAtMs: number): void {
    if (senderAddress === undefined) return;
    // Not admitted yet: whatever we said of ourselves would put us in views before the cluster's deadline.
    if (record === this.table.self && this.awaitingAdmission) return;
    const isMemberAddress = () => this.holdsLiveMemberAt(senderAddress);
    if (!this.staleCorrections.allow(senderAddress, record.id, this.context.nowMs, isMemberAddress)) return;
    this.dissemination.sendAlone(senderAddress, aliveMessageOf(record), viewAtMs);
  }

  /**
   * Tells `to` our alive of another member in one datagram of its own, with
   * the view deadline its gossip carries (joiner-introductions.ts).
   */
  tellAlive(to: string, record: MemberEntry): void {
    this.dissemination.sendAlone(to, aliveMessageOf(record), this.gossipViewAtMs(record));
  }

  /** The view deadline an alive of `record` carries: the queued copy's, or the pending change's. */
  private gossipViewAtMs(record: MemberEntry): number {
    return this.dissemination.viewAtOf(record.id) ?? this.views.pendingAtMs(record.id) ?? 0;
  }

  private holdsLiveMemberAt(address: string): boolean {
    const self = this.table.self;
    let found = false;
    this.table.forEach((entry) => {
      if (!found && entry !== self && entry.address === address && isInView(entry.state)) found = true;
    });
    return found;
  }

  /**
   * Someone still holds a member alive at or below the incarnation we hold
   * it dead or left at: the other side of a healed partition, or a node that
   * missed the news. Spreading our verdict again tells them; a death reaches
   * a node that holds the member alive as a suspicion (applyDeath), which
   * the member, if it is in fact alive, hears and refutes. So both sides of
   * a partition meet again in one view instead of ignoring each other. One
   * queue entry per member bounds the cost.
   */
  private correctStaleAlive(id: string, state: 'dead' | 'left', incarnation: number): void {
    if (this.dissemination.isFresh(id)) return;
    const message: UpdateMessage =
      state === 'left'
        ? { type: 'left', id, incarnation, viewDelayMs: 0 }
        : { type: 'dead', id, incarnation, fromId: this.context.id, viewDelayMs: 0 };
    this.dissemination.enqueue(message, this.views.pendingAtMs(id) ?? 0);
  }

  /**
   * A suspicion ran out here. While our own network looks broken (relays did
   * not even nack), our silence from the suspect is no evidence against it:
   * the verdict waits, a period at a time, and the member stays suspect (in
   * the view, and nobody is settled on it). A node at heavy loss or cut off
   * thus does not turn its stale suspicions into deaths; once its network
   * works again, a refutation it now hears ends them, or the death follows.
   */
  onSuspicionTimeout(id: string, token: number): void {
    const record = this.table.record(id);
    if (record === undefined || record.state !== 'suspect' || record.suspicionToken !== token) return;
    const suspicion = record.suspicion;
    const heldTooLong =
      suspicion !== undefined &&
      this.context.nowMs - suspicion.startedAtMs >= HOLD_MAX_TIMEOUTS * suspicion.maxMs;
    if (this.prober.ownNetworkFailing() && !heldTooLong) {
      record.suspicionToken = this.context.schedule(this.context.config.probeIntervalMs, {
        kind: 'suspicion',
        id,
      });
      return;
    }
    this.applyDeparture(id, 'dead', record.incarnation, this.freshViewDelayMs());
  }

  /** What a remote full state says about this node. */
  mergeSelfSnapshot(snapshot: MemberSnapshot): void {
    const self = this.table.self;
    if (this.leaving || !this.awaitingAdmission) {
      this.hearAboutSelf(
        snapshot.state,
        snapshot.incarnation,
        snapshot.state === 'alive' ? snapshot : undefined,
      );
      return;
    }
    const aboutUsNow = snapshot.state === 'alive' && snapshot.incarnation === self.incarnation;
    if (aboutUsNow && snapshot.viewDelayMs > 0) {
      // The cluster admits us at a deadline; leave our own view until then,
      // so that we and everyone else rebalance at the same moment.
      this.stepOutOfOwnView(this.context.nowMs + snapshot.viewDelayMs);
      return;
    }
    const departed = snapshot.state === 'dead' || snapshot.state === 'left';
    const claimed = snapshot.incarnation;
    this.hearAboutSelf(snapshot.state, claimed, snapshot.state === 'alive' ? snapshot : undefined);
    if (departed && self.incarnation > claimed) {
      // A restart: the cluster holds our previous life as gone, and re-admits
      // us at the deadline our refutation carries. Wait for it too.
      this.stepOutOfOwnView(this.dissemination.viewAtOf(self.id) ?? this.context.nowMs);
    }
  }

  /** Out of our own view until `untilMs`, when the cluster admits us too (at once if it has passed). */
  private stepOutOfOwnView(untilMs: number): void {
    const self = this.table.self;
    if (untilMs <= this.context.nowMs) {
      if (self.viewThreads === 0) this.views.want(self, self.threads, this.context.nowMs);
      return;
    }
    if (self.viewThreads > 0) this.views.setNow(self, 0);
    this.views.want(self, self.threads, untilMs);
  }

  /**
   * Members known before any message: alive and in the view at once,
   * without events. A store that can take them in one step does (a
   * simulation's shared roster); otherwise, or when they would overflow
   * membersMax (the overflow is dropped), they are added one by one.
   */
  adoptInitialMembers(members: readonly Member[]): void {
    if (members.length === 0) return;
    const { context, table } = this;
    const share = table.adoptInitial(members, context.nowMs, context.config.membersMax - table.size);
    if (share === undefined) {
      for (const member of members) this.adoptInitialMember(member);
      return;
    }
    this.prober.addInitialToOrder(share);
    this.views.placeInitialShare(share);
  }

  private adoptInitialMember(member: Member): void {
    const { context, table } = this;
    if (member.id === context.id || table.has(member.id)) return;
    if (table.size >= context.config.membersMax) {
      context.drop('members-max');
      return;
    }
    const record = newRecord(member, context.nowMs);
    table.add(record);
    this.prober.addToOrder(record.id);
    this.views.placeInitially(record, record.threads);
  }

  /**
   * Someone talks about this node. Anything that contradicts our alive
   * record at our incarnation or above is refuted with a higher incarnation.
   */
  private hearAboutSelf(
    state: MemberState,
    incarnation: number,
    claim?: AliveUpdate,
    senderAddress?: string,
  ): void {
    const self = this.table.self;
    if (this.leaving) return;
    if (incarnation < self.incarnation) {
      // An accusation from before our last refutation: repeat the refutation
      // (the ack to a buddy ping carries it straight back, and the sender of any other datagram hears it).
      if (state !== 'alive') this.correctStaleAccusation(self, incarnation, senderAddress);
      return;
    }
    // An alive at our own incarnation is usually our announcement echoed
    // back. One that says something else (another address, thread count or
    // metadata: an earlier life that reached this incarnation too) would
    // leave peers holding the wrong facts forever; refute it upward.
    if (state === 'alive' && incarnation === self.incarnation) {
      if (claim === undefined || sameAnnouncement(claim, self)) return;
    }
    if (state === 'alive' && claim !== undefined && claim.address !== self.address) {
      this.context.counters.idConflicts++;
      this.context.emit({ type: 'conflict', id: self.id, address: claim.address });
    }
    this.refute(incarnation, state !== 'alive');
    // The accuser hears the refutation at once, not only when gossip reaches it.
    if (state !== 'alive') this.answerSender(senderAddress, self, this.refutationViewAtMs);
  }

  private refute(claimedIncarnation: number, accused: boolean): void {
    const { context } = this;
    const self = this.table.self;
    self.incarnation = Math.min(Math.max(self.incarnation, claimedIncarnation) + 1, INCARNATION_MAX - 1);
    context.counters.refutations++;
    // Lifeguard: having to defend ourselves hints that we are the slow one.
    if (accused) this.awareness.applyDelta(1);
    // Members that already dropped us re-admit us after a fresh delay.
    this.refutationViewAtMs = context.nowMs + this.freshViewDelayMs();
    this.dissemination.enqueue(aliveMessageOf(self), this.refutationViewAtMs);
    context.emit({ type: 'refuted', incarnation: self.incarnation });
  }

  private scheduleSuspicionTimer(record: MemberRecord, suspicion: Suspicion): void {
    const delayMs = Math.max(0, suspicion.deadlineMs() - this.context.nowMs);
    record.suspicionToken = this.context.schedule(delayMs, { kind: 'suspicion', id: record.id });
  }

  private emitMember(kind: MemberEventKind, record: MemberRecord, previous: Member | undefined): void {
    const member = snapshotOf(record);
    this.context.emit(
      previous === undefined ? { type: 'member', kind, member } : { type: 'member', kind, member, previous },
    );
  }
}

type Announcement = Pick<Member, 'address' | 'threads' | 'metadata'>;

/** Whether two alive claims announce the same address, threads and metadata. */
function sameAnnouncement(a: Announcement, b: Announcement): boolean {
  if (a.address !== b.address || a.threads !== b.threads) return false;
  const keysOfA = Object.keys(a.metadata);
  if (keysOfA.length !== Object.keys(b.metadata).length) return false;
  return keysOfA.every((key) => a.metadata[key] === b.metadata[key]);
}

export function aliveMessageOf(record: MemberEntry): AliveMessage {
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
