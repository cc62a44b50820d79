/**
 * A binary min-heap ordered by a `before` relation: the runtime's timer queue
 * and the simulator's event queue both keep their entries in one. Ties are
 * the caller's business: both order equal times by insertion, which is what
 * keeps timers first in, first out and simulations replayable.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly before: (a: T, b: T) => boolean;

  /** `before(a, b)`: true when `a` must come out before `b`. */
  constructor(before: (a: T, b: T) => boolean) {
    this.before = before;
  }

  get size(): number {
    return this.items.length;
  }

  /** The first entry, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let index = items.length;
    items.push(item);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!this.before(item, parent)) break;
      items[index] = parent;
      index = parentIndex;
    }
    items[index] = item;
  }

  /** Removes and returns the first entry. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop() as T;
    const length = items.length;
    if (length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      let childItem = items[left] as T;
      if (right < length) {
        const rightItem = items[right] as T;
        if (this.before(rightItem, childItem)) {
          child = right;
          childItem = rightItem;
        }
      }
      if (!this.before(childItem, last)) break;
      items[index] = childItem;
      index = child;
    }
    items[index] = last;
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}
