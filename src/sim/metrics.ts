/**
 * What a run measured. The collector listens to every core event and packet
 * and keeps only counters and per-node arrays, never a log: at 10,000 nodes a
 * run produces hundreds of millions of membership events.
 */
import type { ProtocolConfig } from '../core/config.js';
import type { Channel, CoreEvent, DropReason } from '../core/host.js';
import type { Message } from '../core/messages.js';
import type { MemberState } from '../core/types.js';
import { disturbanceGraceMs } from './bounds.js';
import { type LifecycleChange, partitionSeparates, type SimListener, type Simulation } from './simulation.js';

/** Kinds of update whose spread a run can follow. */
export type SpreadKind = 'dead' | 'left' | 'metadata';

/**
 * One update followed from its origin until every node that was live when
 * it started (and still is, in the same life) knows it.
 */
export class Spread {
  readonly kind: SpreadKind;
  readonly subject: number;
  readonly startMs: number;
  /** For metadata: the key and value that mark the update. */
  readonly key: string;
  readonly value: string;
  /** Life of each observer when the update started; -1 = not an observer. */
  readonly observerLife: Int32Array;
  /** When each observer learned it; NaN = not yet. */
  readonly learnedAt: Float64Array;
  /** First suspicion of the subject (crashes only), NaN = none. */
  firstSuspectMs = Number.NaN;
  /** Closed when the subject restarts: later declarations are about its new life. */
  open = true;
  private closedDelays: { delays: number[]; missing: number } | undefined;

  constructor(sim: Simulation, kind: SpreadKind, subject: number, key = '', value = '') {
    this.kind = kind;
    this.subject = subject;
    this.startMs = sim.now;
    this.key = key;
    this.value = value;
    const n = sim.slots.length;
    this.observerLife = new Int32Array(n).fill(-1);
    this.learnedAt = new Float64Array(n).fill(Number.NaN);
    for (const slot of sim.slots) {
      if (slot.live && slot.index !== subject) this.observerLife[slot.index] = slot.life;
    }
  }

  /** Stops following: the subject came back. What was known by now is what counts. */
  close(sim: Simulation): void {
    if (!this.open) return;
    this.closedDelays = this.delays(sim);
    this.open = false;
  }

  learn(observer: number, now: number): void {
    if (this.open && this.observerLife[observer] !== -1 && Number.isNaN(this.learnedAt[observer] as number)) {
      this.learnedAt[observer] = now;
    }
  }

  /** Delays (ms after start) for observers still live in the same life; `missing` counts those who never learned. */
  delays(sim: Simulation): { delays: number[]; missing: number } {
    if (this.closedDelays !== undefined) return this.closedDelays;
    const delays: number[] = [];
    let missing = 0;
    for (const slot of sim.slots) {
      const life = this.observerLife[slot.index] as number;
      if (life === -1 || !slot.live || slot.life !== life) continue;
      const at = this.learnedAt[slot.index] as number;
      if (Number.isNaN(at)) missing++;
      else delays.push(at - this.startMs);
    }
    delays.sort((a, b) => a - b);
    return { delays, missing };
  }
}

export interface TrafficCounters {
  packets: number;
  messages: number;
  bytes: number;
  streamPackets: number;
  streamBytes: number;
  syncs: number;
  stateBytes: number;
}

function inView(state: MemberState | undefined): number {
  return state === 'alive' || state === 'suspect' ? 1 : 0;
}

export class Metrics implements SimListener {
  readonly sim: Simulation;
  readonly config: ProtocolConfig;
  /** Start of the measurement window for rates (bootstrap excluded). */
  readonly windowStartMs: number;
  readonly graceMs: number;
  readonly spreads: Spread[] = [];
  /** Traffic inside the window. */
  readonly traffic: TrafficCounters = {
    packets: 0,
    messages: 0,
    bytes: 0,
    streamPackets: 0,
    streamBytes: 0,
    syncs: 0,
    stateBytes: 0,
  };
  packetBytesMax = 0;
  /** Distinct (member, incarnation) wrongly declared dead, and the declarations themselves. */
  readonly falsePositiveIncidents = new Set<string>();
  falsePositiveEvents = 0;
  /** Called on a death of a running member neither disturbed nor separated from its observer. */
  onHealthyDeath: ((observer: number, subject: number, now: number) => void) | undefined;
  readonly falseSuspicionIncidents = new Set<string>();
  /** Declarations about a node that was paused or had just resumed, restarted, or been partitioned away. */
  excusedDeaths = 0;
  refutations = 0;
  readonly drops: Partial<Record<DropReason, number>> = {};
  /** Node-milliseconds inside the window: live, settled, and settled while views differed. */
  liveNodeMs = 0;
  settledNodeMs = 0;
  falseSettledNodeMs = 0;
  /** Milliseconds inside the window in which live nodes held more than one view. */
  divergedMs = 0;
  /** Since when all live nodes hold one view (-1: they do not). */
  agreedSinceMs = -1;
  /** Since when every live node knows every live node as alive or suspect (-1: not the case). */
  completeSinceMs = -1;

  private readonly idToSlot = new Map<string, number>();
  private readonly isLive: Uint8Array;
  private readonly viewOf: Float64Array;
  private readonly settledOf: Uint8Array;
  private readonly known: Int32Array;
  /** How many live nodes know each number of members: those that know liveCount are complete. */
  private readonly knownCount = new Map<number, number>();
  private readonly lastDisturbance: Float64Array;
  /** 1 while the slot's own link is lossy. */
  private readonly lossy: Uint8Array;
  private readonly viewCount = new Map<number, number>();
  private liveCount = 0;
  private settledLive = 0;
  private lastTime = 0;
  private readonly openCrash = new Map<number, Spread>();

  constructor(sim: Simulation, windowStartMs: number) {
    this.sim = sim;
    this.config = sim.config;
    this.windowStartMs = windowStartMs;
    const n = sim.slots.length;
    this.graceMs = disturbanceGraceMs(sim.config, n);
    for (const slot of sim.slots) this.idToSlot.set(slot.id, slot.index);
    this.isLive = new Uint8Array(n);
    this.viewOf = new Float64Array(n).fill(-1);
    this.settledOf = new Uint8Array(n);
    this.known = new Int32Array(n);
    this.lastDisturbance = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.lossy = new Uint8Array(n);
  }

  /** Follow a metadata update (call right after setting it on `subject`). */
  trackMetadata(subject: number, key: string, value: string): Spread {
    const spread = new Spread(this.sim, 'metadata', subject, key, value);
    this.spreads.push(spread);
    return spread;
  }

  get live(): number {
    return this.liveCount;
  }

  get distinctViews(): number {
    return this.viewCount.size;
  }

  /** Tracked view id and settled flag of a live slot (for the checkers). */
  tracked(slot: number): { viewId: number; settled: boolean } | undefined {
    if (this.isLive[slot] !== 1) return undefined;
    return { viewId: this.viewOf[slot] as number, settled: this.settledOf[slot] === 1 };
  }

  /** Brings the time integrals up to `now`. */
  advance(now: number): void {
    const from = Math.max(this.lastTime, this.windowStartMs);
    if (now > from) {
      const dt = now - from;
      this.liveNodeMs += this.liveCount * dt;
      this.settledNodeMs += this.settledLive * dt;
      if (this.viewCount.size > 1) {
        this.falseSettledNodeMs += this.settledLive * dt;
        this.divergedMs += dt;
      }
    }
    if (now > this.lastTime) this.lastTime = now;
  }

  // ---- listener --------------------------------------------------------------

  packetSent(
    _from: number,
    _to: number,
    bytes: number,
    messages: readonly Message[],
    channel: Channel,
    now: number,
  ): void {
    if (bytes > this.packetBytesMax) this.packetBytesMax = bytes;
    if (now < this.windowStartMs) return;
    const traffic = this.traffic;
    traffic.packets++;
    traffic.messages += messages.length;
    traffic.bytes += bytes;
    if (channel === 'stream') {
      traffic.streamPackets++;
      traffic.streamBytes += bytes;
    }
  }

  stateSent(_from: number, _to: number, bytes: number, _members: number, reply: boolean, now: number): void {
    if (now < this.windowStartMs) return;
    if (!reply) this.traffic.syncs++;
    this.traffic.stateBytes += bytes;
  }

  lifecycle(slot: number, change: LifecycleChange, now: number): void {
    this.advance(now);
    switch (change) {
      case 'start': {
        const s = this.sim.slot(slot);
        const core = s.core;
        if (core === undefined) return;
        this.lastDisturbance[slot] = now;
        const crash = this.openCrash.get(slot);
        if (crash !== undefined) {
          crash.close(this.sim);
          this.openCrash.delete(slot);
        }
        this.addLive(slot, core.viewId, core.settled, core.stats().members, now);
        return;
      }
      case 'crash': {
        this.removeLive(slot, now);
        const spread = new Spread(this.sim, 'dead', slot);
        this.spreads.push(spread);
        this.openCrash.set(slot, spread);
        return;
      }
      case 'leave':
        this.removeLive(slot, now);
        this.spreads.push(new Spread(this.sim, 'left', slot));
        return;
      case 'refused':
        this.removeLive(slot, now);
        return;
      case 'lossy':
        this.lossy[slot] = 1;
        this.lastDisturbance[slot] = now;
        return;
      case 'lossless':
        this.lossy[slot] = 0;
        this.lastDisturbance[slot] = now;
        return;
      case 'pause':
        // A frozen node acts on nothing: its stale view is not held against the others' settled flag.
        this.removeLive(slot, now);
        return;
      case 'resume': {
        this.lastDisturbance[slot] = now;
        const core = this.sim.slot(slot).core;
        if (core !== undefined) this.addLive(slot, core.viewId, core.settled, core.stats().members, now);
        return;
      }
      case 'recover':
        this.lastDisturbance[slot] = now;
        return;
      default:
        return;
    }
  }

  coreEvent(slot: number, event: CoreEvent, now: number): void {
    switch (event.type) {
      case 'member':
        this.onMember(slot, event, now);
        return;
      case 'view':
        if (this.isLive[slot] === 1) this.setView(slot, event.viewId, now);
        return;
      case 'settled':
        if (this.isLive[slot] === 1) this.setSettled(slot, event.settled, now);
        return;
      case 'refuted':
        this.refutations++;
        return;
      case 'drop':
        this.drops[event.reason] = (this.drops[event.reason] ?? 0) + 1;
        return;
      default:
        return;
    }
  }

  private onMember(observer: number, event: Extract<CoreEvent, { type: 'member' }>, now: number): void {
    const member = event.member;
    const subject = this.idToSlot.get(member.id);
    if (subject === undefined || subject === observer) return;
    if (this.isLive[observer] === 1) {
      const delta = inView(member.state) - inView(event.previous?.state);
      if (delta !== 0) this.changeKnown(observer, delta, now);
    }
    switch (event.kind) {
      case 'fail':
        this.onDeath(observer, subject, member.incarnation, now);
        return;
      case 'suspect': {
        const crash = this.openCrash.get(subject);
        if (crash !== undefined) {
          if (Number.isNaN(crash.firstSuspectMs)) crash.firstSuspectMs = now;
        } else if (!this.excused(observer, subject, now)) {
          this.falseSuspicionIncidents.add(`${subject}:${member.incarnation}`);
        }
        return;
      }
      case 'leave':
        for (const spread of this.spreads) {
          if (spread.kind === 'left' && spread.subject === subject) spread.learn(observer, now);
        }
        return;
      default:
        if (member.state === 'alive' || member.state === 'suspect') {
          for (const spread of this.spreads) {
            if (
              spread.kind === 'metadata' &&
              spread.subject === subject &&
              member.metadata[spread.key] === spread.value
            ) {
              spread.learn(observer, now);
            }
          }
        }
        return;
    }
  }

  private onDeath(observer: number, subject: number, incarnation: number, now: number): void {
    const crash = this.openCrash.get(subject);
    if (crash !== undefined) {
      crash.learn(observer, now);
      return;
    }
    const target = this.sim.slots[subject];
    if (target === undefined || target.status !== 'running') return; // gone for real: a true positive
    if (this.excused(observer, subject, now)) {
      this.excusedDeaths++;
      return;
    }
    this.falsePositiveEvents++;
    this.falsePositiveIncidents.add(`${subject}:${incarnation}`);
    this.onHealthyDeath?.(observer, subject, now);
  }

  /**
   * A declaration by `observer` against a running `subject` is excused only
   * when one of the two was itself disturbed (paused, slow, restarted, on a
   * lossy link) or a partition separated them, recently. A death of a member
   * that stayed reachable from its observer is never excused: in particular
   * not one that reached the observer from a third node that had been cut off.
   */
  excused(observer: number, subject: number, now: number): boolean {
    const target = this.sim.slots[subject];
    if (target === undefined || target.status !== 'running') return true;
    if (this.disturbed(subject, now) || this.disturbed(observer, now)) return true;
    for (const record of this.sim.partitions) {
      const end = record.endMs ?? Number.POSITIVE_INFINITY;
      if (now < record.startMs || now > end + this.graceMs) continue;
      if (partitionSeparates(record, observer, subject)) return true;
    }
    return false;
  }

  /** Whether `slot` was paused, slow, restarted or on a lossy link, recently (within the grace). */
  disturbed(slot: number, now: number): boolean {
    const node = this.sim.slots[slot];
    if (node === undefined || node.paused || node.inputDelayMs > 0 || this.lossy[slot] === 1) return true;
    return now - (this.lastDisturbance[slot] as number) < this.graceMs;
  }

  // ---- live set, views, settled, complete knowledge -----------------------------

  /** `members`: what a fresh core holds, itself and its initial members, all alive. */
  private addLive(slot: number, viewId: number, settled: boolean, members: number, now: number): void {
    if (this.isLive[slot] === 1) return;
    this.isLive[slot] = 1;
    this.liveCount++;
    this.viewOf[slot] = viewId;
    this.viewCount.set(viewId, (this.viewCount.get(viewId) ?? 0) + 1);
    this.settledOf[slot] = settled ? 1 : 0;
    if (settled) this.settledLive++;
    this.known[slot] = members;
    this.countKnown(members, 1);
    this.updateComplete(now);
    this.updateAgreement(now);
  }

  private removeLive(slot: number, now: number): void {
    if (this.isLive[slot] !== 1) return;
    this.isLive[slot] = 0;
    this.liveCount--;
    this.dropView(this.viewOf[slot] as number);
    if (this.settledOf[slot] === 1) this.settledLive--;
    this.settledOf[slot] = 0;
    this.countKnown(this.known[slot] as number, -1);
    this.updateComplete(now);
    this.updateAgreement(now);
  }

  private dropView(viewId: number): void {
    const count = (this.viewCount.get(viewId) ?? 0) - 1;
    if (count <= 0) this.viewCount.delete(viewId);
    else this.viewCount.set(viewId, count);
  }

  private setView(slot: number, viewId: number, now: number): void {
    const old = this.viewOf[slot] as number;
    if (old === viewId) return;
    this.advance(now);
    this.dropView(old);
    this.viewOf[slot] = viewId;
    this.viewCount.set(viewId, (this.viewCount.get(viewId) ?? 0) + 1);
    this.updateAgreement(now);
  }

  private setSettled(slot: number, settled: boolean, now: number): void {
    const value = settled ? 1 : 0;
    if (this.settledOf[slot] === value) return;
    this.advance(now);
    this.settledOf[slot] = value;
    this.settledLive += settled ? 1 : -1;
  }

  private updateAgreement(now: number): void {
    if (this.viewCount.size === 1) {
      if (this.agreedSinceMs < 0) this.agreedSinceMs = now;
    } else {
      this.agreedSinceMs = -1;
    }
  }

  /** Only for live observers: `known` of the others is not counted. */
  private changeKnown(observer: number, delta: number, now: number): void {
    const before = this.known[observer] as number;
    this.countKnown(before, -1);
    this.known[observer] = before + delta;
    this.countKnown(before + delta, 1);
    this.updateComplete(now);
  }

  private countKnown(members: number, delta: number): void {
    const count = (this.knownCount.get(members) ?? 0) + delta;
    if (count === 0) this.knownCount.delete(members);
    else this.knownCount.set(members, count);
  }

  private updateComplete(now: number): void {
    const completeNodes = this.knownCount.get(this.liveCount) ?? 0;
    if (this.liveCount > 0 && completeNodes === this.liveCount) {
      if (this.completeSinceMs < 0) this.completeSinceMs = now;
    } else {
      this.completeSinceMs = -1;
    }
  }
}
