/**
 * The simulator's single timer queue: a binary min-heap ordered by
 * (time, sequence). The sequence number is assigned at insertion, so two
 * events due at the same virtual instant run in the order they were
 * scheduled; that tie-break is what makes a run replayable from its seed.
 */

/** What every queued entry carries; the payload fields belong to the user. */
export interface QueueEntry {
  /** Virtual time in milliseconds at which the entry is due. */
  time: number;
  /** Insertion order, set by the queue. */
  seq: number;
}

export class EventQueue<T extends QueueEntry> {
  private readonly heap: T[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Adds an entry due at `entry.time`; overwrites `entry.seq`. */
  push(entry: T): void {
    entry.seq = this.nextSeq++;
    const heap = this.heap;
    let index = heap.length;
    heap.push(entry);
    // Sift up.
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as T;
      if (parent.time < entry.time || (parent.time === entry.time && parent.seq < entry.seq)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = entry;
  }

  /** The earliest entry without removing it. */
  peek(): T | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest entry. */
  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as T;
    const length = heap.length;
    if (length === 0) return top;
    // Sift `last` down from the root.
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      let childEntry = heap[left] as T;
      if (right < length) {
        const rightEntry = heap[right] as T;
        if (
          rightEntry.time < childEntry.time ||
          (rightEntry.time === childEntry.time && rightEntry.seq < childEntry.seq)
        ) {
          child = right;
          childEntry = rightEntry;
        }
      }
      if (last.time < childEntry.time || (last.time === childEntry.time && last.seq < childEntry.seq)) break;
      heap[index] = childEntry;
      index = child;
    }
    heap[index] = last;
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }
}
