/**
 * Verified admission. A member we have never seen (or hold dead at another
 * address) enters the table only after it has answered a ping of ours, sent
 * to the address it claims, with a random 32-bit sequence number. (A failed
 * member back where it was is taken back at once: making a node on a lossy
 * link verify every return left its view behind the others' for long.) Until then it is a
 * candidate, held apart: it owns no index, is no gossip target and no
 * push-pull peer, and cannot fill the member table. So forged alives cannot
 * inflate the view, dilute probing and gossip with fakes, or aim our
 * traffic at a victim's address: a fake costs at most a few small pings to
 * the address it names, and is forgotten.
 *
 * The candidate keeps the view delay its news carried, counted from when it
 * was heard, so the verification round trip does not move the cluster-wide
 * deadline at which the member enters everyone's view.
 */
import type { CoreContext } from './context.js';
import type { Channel } from './host.js';
import type { AliveMessage, Message } from './messages.js';
import { freshUint32 } from './random.js';

/** Pings a candidate gets before it is forgotten (the later ones also over the stream). */
const ATTEMPTS_MAX = 3;
/** Candidates held at once, at most (and never more than membersMax). */
const CANDIDATES_MAX = 4096;
/**
 * Candidates whose first ping is out at once; the others wait their turn,
 * oldest first. A joiner verifies every member its seed told it of: without
 * a window, a thousand acks (each with a packet of gossip) would arrive at
 * once and overflow its socket's receive buffer. A candidate that misses its
 * first answer leaves the window for its retries, so unanswered (forged)
 * candidates delay the others by one probe period at most.
 */
export const VERIFY_WINDOW = 32;
/**
 * Every VERIFY_PACE_MS, VERIFY_WINDOW more waiting candidates are pinged,
 * window or not: the window paces, it never stalls (a flood of candidates
 * that never answer is worked through at 1,600 a second, and forgotten
 * within a few seconds as before).
 */
export const VERIFY_PACE_MS = 20;

/** The news that made a member a candidate, as applyAlive takes it. */
export interface CandidateUpdate {
  readonly id: string;
  readonly address: string;
  readonly incarnation: number;
  readonly threads: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/** How a piece of alive news reached us: see Membership.applyAlive. */
export interface AliveSource {
  /** The member itself told us: its own entry in a full state it sent. */
  readonly firstHand?: boolean;
  /** It has answered our ping at the address it claims. */
  readonly verified?: boolean;
  /** A row of the answer to our own join request: a member our seed holds alive. */
  readonly joinAnswer?: boolean;
  /** A datagram holding this alone, from the address it names: a joiner's announcement. */
  readonly announcement?: boolean;
}

interface Candidate {
  update: CandidateUpdate;
  firstHand: boolean;
  /** Its news came as its own announcement (AliveSource); a join answer's rows are never held. */
  announcement: boolean;
  /** The view delay its news carried, and when we heard it. */
  delayMs: number;
  heardAtMs: number;
  seq: number;
  attempts: number;
}

export interface AdmissionHooks {
  /** The viewId our pings carry. */
  viewId(): number;
  /**
   * An alive about ourselves with the view deadline our own announcements
   * carry, while that news is still spreading; undefined otherwise.
   */
  ownAlive(): AliveMessage | undefined;
  /**
   * Whether candidates may be pinged now: not while this node joins (it
   * does not know yet whether the cluster takes it, or whether another
   * process holds its id); they wait, and resume() sends them on.
   */
  mayVerify(): boolean;
  /** The candidate answered: apply its news with what remains of its view delay. */
  admit(update: CandidateUpdate, remainingDelayMs: number, source: AliveSource): void;
}

export class Admission {
  private readonly candidates = new Map<string, Candidate>();
  private readonly bySeq = new Map<number, string>();
  /** Candidates not pinged yet, in arrival order (a Set keeps it and removes in O(1)). */
  private readonly waiting = new Set<string>();
  /** Candidates whose first ping is out: the window. */
  private readonly firstOut = new Set<string>();
  private paceArmed = false;

  constructor(
    private readonly context: CoreContext,
    private readonly hooks: AdmissionHooks,
  ) {}

  /** Candidates waiting for their answer. */
  get size(): number {
    return this.candidates.size;
  }

  /** News of a member not (or no longer) in the table: verify it before it enters. */
  hold(update: CandidateUpdate, delayMs: number, source: AliveSource): void {
    const { context } = this;
    const firstHand = source.firstHand === true;
    const announcement = source.announcement === true;
    const held = this.candidates.get(update.id);
    if (held !== undefined) {
      if (update.incarnation < held.update.incarnation) return;
      if (update.incarnation === held.update.incarnation) {
        // The same news, now announced by the member itself: it tells the others too.
        if (announcement && update.address === held.update.address) held.announcement = true;
        return;
      }
      const moved = update.address !== held.update.address;
      held.update = update;
      held.firstHand = firstHand;
      held.announcement = announcement;
      held.delayMs = delayMs;
      held.heardAtMs = context.nowMs;
      // A new address needs its own answer (a waiting candidate gets it in its turn).
      if (moved && !this.waiting.has(update.id)) this.ping(held, 0);
      return;
    }
    if (this.candidates.size >= Math.min(CANDIDATES_MAX, context.config.membersMax)) {
      context.drop('candidates-max');
      return;
    }
    const candidate: Candidate = {
      update,
      firstHand,
      announcement,
      delayMs,
      heardAtMs: context.nowMs,
      seq: 0,
      attempts: 0,
    };
    this.candidates.set(update.id, candidate);
    this.waiting.add(update.id);
    this.resume();
  }

  /** Sends waiting candidates on, if verifying is allowed now (the core calls this after each input). */
  resume(): void {
    if (this.waiting.size === 0 || !this.hooks.mayVerify()) return;
    this.pingWaiting(VERIFY_WINDOW - this.firstOut.size);
    if (this.waiting.size > 0 && !this.paceArmed) {
      this.paceArmed = true;
      this.context.schedule(VERIFY_PACE_MS, { kind: 'verify-pace' });
    }
  }

  /** The pace step: the next VERIFY_WINDOW waiting candidates go out, however full the window is. */
  onPaceTimer(): void {
    this.paceArmed = false;
    if (!this.hooks.mayVerify()) return;
    this.pingWaiting(VERIFY_WINDOW);
    this.resume();
  }

  /** Pings up to `count` waiting candidates, oldest first. */
  private pingWaiting(count: number): void {
    let left = count;
    for (const id of this.waiting) {
      if (left <= 0) return;
      this.waiting.delete(id);
      const candidate = this.candidates.get(id);
      if (candidate === undefined) continue;
      left--;
      this.firstOut.add(id);
      this.ping(candidate, 0);
    }
  }

  /** Whether `id` waits for verification. */
  holds(id: string): boolean {
    return this.candidates.has(id);
  }

  /** An ack arrived: true when it answered a candidate's ping (from the address it claims), which is admitted. */
  onAck(seq: number, from: string): boolean {
    const id = this.bySeq.get(seq);
    if (id === undefined) return false;
    const candidate = this.candidates.get(id);
    if (candidate === undefined || candidate.seq !== seq) return false;
    if (from !== candidate.update.address) {
      this.context.drop('ack-source');
      return true;
    }
    this.forget(id);
    const elapsedMs = this.context.nowMs - candidate.heardAtMs;
    this.hooks.admit(candidate.update, Math.max(0, candidate.delayMs - elapsedMs), {
      firstHand: candidate.firstHand,
      verified: true,
      announcement: candidate.announcement,
    });
    return true;
  }

  /** The candidate's ping went unanswered for a period: ping again, or forget it. */
  onTimer(id: string, seq: number): void {
    const candidate = this.candidates.get(id);
    if (candidate === undefined || candidate.seq !== seq) return;
    if (candidate.attempts >= ATTEMPTS_MAX) {
      this.forget(id);
      this.context.drop('unverified');
      return;
    }
    this.ping(candidate, candidate.attempts);
    if (this.firstOut.delete(id)) this.resume();
  }

  /** The member became known another way (or the node stops): no answer is awaited any more. */
  forget(id: string): void {
    const candidate = this.candidates.get(id);
    if (candidate === undefined) return;
    this.bySeq.delete(candidate.seq);
    this.candidates.delete(id);
    this.waiting.delete(id);
    this.firstOut.delete(id);
    this.resume();
  }

  clear(): void {
    this.candidates.clear();
    this.bySeq.clear();
    this.waiting.clear();
    this.firstOut.clear();
  }

  private ping(candidate: Candidate, attempt: number): void {
    const { context } = this;
    this.bySeq.delete(candidate.seq);
    // Distinct from the seqs in flight, at most CANDIDATES_MAX of them.
    const seq = freshUint32(context.random, (taken) => this.bySeq.has(taken));
    candidate.seq = seq;
    candidate.attempts = attempt + 1;
    this.bySeq.set(seq, candidate.update.id);
    const ping: Message = {
      type: 'ping',
      seq,
      targetId: candidate.update.id,
      fromId: context.id,
      viewId: this.hooks.viewId(),
    };
    // The candidate has often just heard of us too, or not yet: a joiner verifies every
    // member it got from its seed, and the members learn of the joiner from these pings
    // at once, instead of waiting for gossip (whose last copies miss a node now and then).
    const ownAlive = this.hooks.ownAlive();
    const messages: Message[] = ownAlive === undefined ? [ping] : [ping, ownAlive];
    const channels: Channel[] = attempt === 0 ? ['datagram'] : ['datagram', 'stream'];
    for (const channel of channels) context.host.send(candidate.update.address, messages, channel);
    context.schedule(context.config.probeIntervalMs, { kind: 'verify', id: candidate.update.id, seq });
  }
}
