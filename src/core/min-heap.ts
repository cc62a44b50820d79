/**
 * A binary min-heap of items by due time, equal times first in, first out:
 * the runtime's timer queue and the simulator's event queue both keep their
 * entries in one. First in, first out among equal times is what keeps timers
 * in the order they were set and simulations replayable.
 *
 * The keys (due time, insertion number) live in typed arrays beside the
 * items, so sifting compares numbers that sit together in memory instead of
 * reading a field of each item: at 10,000 simulated nodes the queue holds
 * tens of thousands of events and that reading was most of its cost.
 */
const INITIAL_CAPACITY = 64;

export class MinHeap<T> {
  private items: (T | undefined)[] = [];
  private times = new Float64Array(INITIAL_CAPACITY);
  /** Insertion numbers: exact as doubles up to 2^53 pushes. */
  private orders = new Float64Array(INITIAL_CAPACITY);
  private length = 0;
  private nextOrder = 0;

  get size(): number {
    return this.length;
  }

  /** The first item, without removing it. */
  peek(): T | undefined {
    return this.length === 0 ? undefined : this.items[0];
  }

  /** The due time of the first item; +Infinity when empty. */
  peekTimeMs(): number {
    return this.length === 0 ? Number.POSITIVE_INFINITY : (this.times[0] as number);
  }

  /** Adds `item` due at `timeMs`, after every item already due at the same time. */
  push(timeMs: number, item: T): void {
    if (this.length === this.times.length) this.grow();
    const { items, times, orders } = this;
    const order = this.nextOrder++;
    let index = this.length++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = times[parent] as number;
      // The newcomer was pushed last: it goes above its parent only when strictly earlier.
      if (!(timeMs < parentTime)) break;
      items[index] = items[parent];
      times[index] = parentTime;
      orders[index] = orders[parent] as number;
      index = parent;
    }
    items[index] = item;
    times[index] = timeMs;
    orders[index] = order;
  }

  /** Removes and returns the first item. */
  pop(): T | undefined {
    if (this.length === 0) return undefined;
    const { items, times, orders } = this;
    const top = items[0];
    const length = --this.length;
    const lastItem = items[length];
    const lastTime = times[length] as number;
    const lastOrder = orders[length] as number;
    items[length] = undefined;
    if (length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      let childTime = times[left] as number;
      let childOrder = orders[left] as number;
      if (right < length) {
        const rightTime = times[right] as number;
        const rightOrder = orders[right] as number;
        if (rightTime < childTime || (rightTime === childTime && rightOrder < childOrder)) {
          child = right;
          childTime = rightTime;
          childOrder = rightOrder;
        }
      }
      if (!(childTime < lastTime || (childTime === lastTime && childOrder < lastOrder))) break;
      items[index] = items[child];
      times[index] = childTime;
      orders[index] = childOrder;
      index = child;
    }
    items[index] = lastItem;
    times[index] = lastTime;
    orders[index] = lastOrder;
    return top;
  }

  clear(): void {
    this.items = [];
    this.times = new Float64Array(INITIAL_CAPACITY);
    this.orders = new Float64Array(INITIAL_CAPACITY);
    this.length = 0;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    const orders = new Float64Array(capacity);
    times.set(this.times);
    orders.set(this.orders);
    this.times = times;
    this.orders = orders;
  }
}
