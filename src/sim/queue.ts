/**
 * The simulator's single timer queue: a binary min-heap ordered by
 * (time, sequence). The sequence number is assigned at insertion, so two
 * events due at the same virtual instant run in the order they were
 * scheduled; that tie-break is what makes a run replayable from its seed.
 */
import { MinHeap } from '../core/min-heap.js';

/** What every queued entry carries; the payload fields belong to the user. */
export interface QueueEntry {
  /** Virtual time in milliseconds at which the entry is due. */
  time: number;
  /** Insertion order, set by the queue. */
  seq: number;
}

/** True when `a` is due before `b`: earlier time, or the same time and pushed earlier. */
function dueBefore(a: QueueEntry, b: QueueEntry): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export class EventQueue<T extends QueueEntry> {
  private readonly heap = new MinHeap<T>(dueBefore);
  private nextSeq = 0;

  get size(): number {
    return this.heap.size;
  }

  /** Adds an entry due at `entry.time`; overwrites `entry.seq`. */
  push(entry: T): void {
    entry.seq = this.nextSeq++;
    this.heap.push(entry);
  }

  /** The earliest entry without removing it. */
  peek(): T | undefined {
    return this.heap.peek();
  }

  /** Removes and returns the earliest entry. */
  pop(): T | undefined {
    return this.heap.pop();
  }

  clear(): void {
    this.heap.clear();
  }
}
