/**
 * Who may open an inbound TCP connection and who may be read, so that no
 * one source, and no silence, can take what real syncs need:
 *
 * - open connections: at most 4 x (syncsMax + streamsMax) in all and
 *   connectionsPerSourceMax per source host; when the budget is full, the
 *   oldest connection that has not sent a byte is closed to make room;
 * - reading slots, taken from a connection's first byte until it turns out
 *   to be a stream probe or closes: at most syncsMax in all and
 *   syncsPerSourceMax per source; the others wait, oldest first.
 */
import type { Socket } from 'node:net';
import type { DropReasonOf } from '../core/drops.js';
import type { TransportLimits } from './transport-limits.js';

type AdmissionLimits = Pick<
  TransportLimits,
  'syncsMax' | 'streamsMax' | 'connectionsPerSourceMax' | 'syncsPerSourceMax'
>;

/** A connection that sent its first bytes while every reading slot it may use was taken. */
export interface Waiting {
  readonly source: string;
  readonly admit: () => void;
}

/** Counts by key, forgetting keys that fall back to 0 so the map holds only live sources. */
class Counts {
  private readonly counts = new Map<string, number>();

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  add(key: string, delta: number): void {
    const next = this.get(key) + delta;
    if (next <= 0) this.counts.delete(key);
    else this.counts.set(key, next);
  }
}

export class InboundAdmission {
  private readonly limits: AdmissionLimits;
  private readonly connectionsBySource = new Counts();
  /** Inbound connections that have not sent a byte yet, oldest first. */
  private readonly silent = new Set<Socket>();
  private readingSlots = 0;
  private readonly readingBySource = new Counts();
  private readonly waiting: Waiting[] = [];

  constructor(limits: AdmissionLimits) {
    this.limits = limits;
  }

  /**
   * Whether a new connection from `source` may open while `openConnections`
   * are open (outbound ones included): undefined when it may, else why not.
   * At the budget it may, if a silent connection is closed for it
   * ('connection-limit' is then reported through `onEvict`).
   */
  open(
    socket: Socket,
    source: string,
    openConnections: number,
    onEvict: () => void,
  ): DropReasonOf<'transport'> | undefined {
    if (openConnections >= 4 * (this.limits.syncsMax + this.limits.streamsMax)) {
      const oldest = this.silent.values().next();
      if (oldest.done === true) return 'connection-limit';
      this.silent.delete(oldest.value);
      oldest.value.destroy();
      onEvict();
    }
    if (this.connectionsBySource.get(source) >= this.limits.connectionsPerSourceMax) return 'source-limit';
    this.connectionsBySource.add(source, 1);
    this.silent.add(socket);
    return undefined;
  }

  /** The connection sent its first byte. */
  spoke(socket: Socket): void {
    this.silent.delete(socket);
  }

  isSilent(socket: Socket): boolean {
    return this.silent.has(socket);
  }

  /** The connection closed; `waiting` is its place in the queue, if it had one. */
  closed(socket: Socket, source: string, waiting: Waiting | undefined): void {
    this.silent.delete(socket);
    this.connectionsBySource.add(source, -1);
    const queued = waiting === undefined ? -1 : this.waiting.indexOf(waiting);
    if (queued >= 0) this.waiting.splice(queued, 1);
  }

  /** Takes a reading slot for `source` if one is free; else queues `waiting` and returns false. */
  takeSlot(source: string, waiting: Waiting): boolean {
    if (!this.hasSlotFor(source)) {
      this.waiting.push(waiting);
      return false;
    }
    this.readingSlots++;
    this.readingBySource.add(source, 1);
    return true;
  }

  /** Gives back a slot and admits waiting connections, oldest first, whose source has room. */
  releaseSlot(source: string): void {
    this.readingSlots--;
    this.readingBySource.add(source, -1);
    for (let i = 0; i < this.waiting.length && this.readingSlots < this.limits.syncsMax; ) {
      const next = this.waiting[i] as Waiting;
      if (!this.hasSlotFor(next.source)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.readingSlots++;
      this.readingBySource.add(next.source, 1);
      next.admit();
    }
  }

  clear(): void {
    this.silent.clear();
    this.waiting.length = 0;
  }

  private hasSlotFor(source: string): boolean {
    return (
      this.readingSlots < this.limits.syncsMax &&
      this.readingBySource.get(source) < this.limits.syncsPerSourceMax
    );
  }
}
