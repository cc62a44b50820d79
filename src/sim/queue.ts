/**
 * The simulator's single timer queue: a binary min-heap ordered by time,
 * then by insertion, so two events due at the same virtual instant run in
 * the order they were scheduled; that tie-break is what makes a run
 * replayable from its seed.
 */
import { MinHeap } from '../core/min-heap.js';

/** What every queued entry carries; the payload fields belong to the user. */
export interface QueueEntry {
  /** Virtual time in milliseconds at which the entry is due (read when it is pushed). */
  time: number;
}

export class EventQueue<T extends QueueEntry> {
  private readonly heap = new MinHeap<T>();

  get size(): number {
    return this.heap.size;
  }

  /** Adds an entry due at `entry.time`, after those already due then. */
  push(entry: T): void {
    this.heap.push(entry.time, entry);
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
