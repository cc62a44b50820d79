/**
 * Follows one user event through a simulated cluster: when each node first
 * delivered it (ms after it was sent), how many deliveries repeated, and what
 * it cost on the wire: the bytes of every copy of the event message, plus
 * the whole of any packet that carried nothing else (a gossip round that
 * went out for the event alone).
 */
import { msgpackWireFormat } from '../codec/index.js';
import type { Channel, CoreEvent } from '../core/host.js';
import type { Message } from '../core/messages.js';
import type { SimListener, Simulation } from './simulation.js';

/** What `UserEventSpread.summary` reports. */
export interface UserEventSummary {
  readonly name: string;
  /** Live nodes at the end (the sender included) and how many of them delivered the event. */
  readonly liveNodes: number;
  readonly delivered: number;
  /** delivered / liveNodes. */
  readonly deliveredShare: number;
  /** Delays after the send, over the nodes that delivered it (the sender's is 0). */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** The last live node's delay, or null when some live node never delivered it. */
  readonly allMs: number | null;
  /** Deliveries beyond the first on some node (duplicate suppression failing would show here). */
  readonly duplicates: number;
  /** Copies of the event message sent cluster-wide, and the bytes the event cost (see above). */
  readonly copies: number;
  readonly costBytes: number;
  readonly costBytesPerNode: number;
}

export class UserEventSpread implements SimListener {
  private readonly firstAtMs: Float64Array;
  private sentAtMs = Number.NaN;
  private duplicates = 0;
  private copies = 0;
  private costBytes = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly name: string,
    private readonly origin: number,
  ) {
    this.firstAtMs = new Float64Array(sim.slots.length).fill(Number.NaN);
  }

  /** Call just before the origin broadcasts. */
  markSent(now: number): void {
    this.sentAtMs = now;
  }

  coreEvent(slot: number, event: CoreEvent, now: number): void {
    if (event.type !== 'user-event' || !this.isOurs(event.name, event.fromId)) return;
    if (Number.isNaN(this.firstAtMs[slot] as number)) this.firstAtMs[slot] = now;
    else this.duplicates++;
  }

  packetSent(
    _from: number,
    _to: number,
    bytes: number,
    messages: readonly Message[],
    _channel: Channel,
  ): void {
    let ours = 0;
    let oursBytes = 0;
    for (const message of messages) {
      if (message.type !== 'user-event' || !this.isOurs(message.name, message.fromId)) continue;
      ours++;
      oursBytes += msgpackWireFormat.messageBytes(message);
    }
    if (ours === 0) return;
    this.copies += ours;
    this.costBytes += ours === messages.length ? bytes : oursBytes;
  }

  summary(): UserEventSummary {
    const delays: number[] = [];
    let liveNodes = 0;
    let missing = 0;
    for (const slot of this.sim.slots) {
      if (!slot.live) continue;
      liveNodes++;
      const at = this.firstAtMs[slot.index] as number;
      if (Number.isNaN(at)) missing++;
      else delays.push(at - this.sentAtMs);
    }
    delays.sort((a, b) => a - b);
    const pick = (q: number) =>
      delays.length === 0
        ? null
        : (delays[Math.min(delays.length - 1, Math.ceil(q * delays.length) - 1)] as number);
    return {
      name: this.name,
      liveNodes,
      delivered: delays.length,
      deliveredShare: liveNodes === 0 ? 0 : delays.length / liveNodes,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
      allMs: missing === 0 ? pick(1) : null,
      duplicates: this.duplicates,
      copies: this.copies,
      costBytes: this.costBytes,
      costBytesPerNode: liveNodes === 0 ? 0 : Math.round(this.costBytes / liveNodes),
    };
  }

  private isOurs(name: string, fromId: string): boolean {
    return name === this.name && fromId === this.sim.slot(this.origin).id;
  }
}
