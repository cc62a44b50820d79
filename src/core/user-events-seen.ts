/**
 * The user events this node has seen, for duplicate suppression, kept for a
 * bounded window of Lamport times: one slot per time modulo the window,
 * each holding at most a few events (one per sender that stamped that
 * time). An event older than the window cannot be told from a duplicate and
 * is refused by the caller instead (`isBeforeWindow`).
 */

/** Lamport times remembered behind the clock. */
export const SEEN_WINDOW_LTIMES = 256;
/** Events remembered per Lamport time: distinct senders that stamped the same time concurrently. */
export const SEEN_PER_LTIME_MAX = 32;

interface Slot {
  ltime: number;
  readonly keys: Set<string>;
}

export type SeenOutcome = 'new' | 'duplicate' | 'full';

export class SeenEvents {
  private readonly slots: (Slot | undefined)[] = new Array(SEEN_WINDOW_LTIMES);

  /** True when `ltime` is too far behind `clock` for the window to say whether it was seen. */
  static isBeforeWindow(ltime: number, clock: number): boolean {
    return ltime < clock - SEEN_WINDOW_LTIMES;
  }

  /**
   * Remembers the event (`ltime`, `key`), reporting whether it is new, a
   * duplicate, or new but beyond what one Lamport time holds (then it is
   * not remembered). `ltime` must be within the window of the current clock.
   */
  record(ltime: number, key: string): SeenOutcome {
    const index = ltime % SEEN_WINDOW_LTIMES;
    let slot = this.slots[index];
    if (slot === undefined) {
      slot = { ltime, keys: new Set() };
      this.slots[index] = slot;
    } else if (slot.ltime !== ltime) {
      // Two times in one slot are a window apart: the one held is behind the window now.
      slot.ltime = ltime;
      slot.keys.clear();
    }
    if (slot.keys.has(key)) return 'duplicate';
    if (slot.keys.size >= SEEN_PER_LTIME_MAX) return 'full';
    slot.keys.add(key);
    return 'new';
  }
}
