import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../src/core/min-heap.js';

interface Item {
  readonly key: number;
  readonly order: number;
}

const byKeyThenOrder = (a: Item, b: Item) => a.key < b.key || (a.key === b.key && a.order < b.order);

function drain(heap: MinHeap<Item>): Item[] {
  const out: Item[] = [];
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push(item);
  return out;
}

describe('MinHeap', () => {
  it('is empty at first and after clear()', () => {
    const heap = new MinHeap<Item>(byKeyThenOrder);
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
    heap.push({ key: 1, order: 0 });
    heap.push({ key: 0, order: 1 });
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
  });

  it('pops 5, 3, 9, 1, 3 as 1, 3, 3, 5, 9, the equal keys in insertion order', () => {
    const heap = new MinHeap<Item>(byKeyThenOrder);
    for (const [order, key] of [5, 3, 9, 1, 3].entries()) heap.push({ key, order });
    expect(heap.size).toBe(5);
    expect(heap.peek()).toEqual({ key: 1, order: 3 });
    expect(drain(heap)).toEqual([
      { key: 1, order: 3 },
      { key: 3, order: 1 },
      { key: 3, order: 4 },
      { key: 5, order: 0 },
      { key: 9, order: 2 },
    ]);
  });

  it('pops any sequence of pushes and pops in the order a stable sort gives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), { maxLength: 200 }),
        (ops) => {
          const heap = new MinHeap<Item>(byKeyThenOrder);
          const model: Item[] = [];
          let order = 0;
          for (const op of ops) {
            if (op === undefined) {
              // Pop: the model's smallest key, first pushed among equals.
              model.sort((a, b) => a.key - b.key || a.order - b.order);
              expect(heap.pop()).toEqual(model.shift());
            } else {
              const item = { key: op, order: order++ };
              heap.push(item);
              model.push(item);
            }
            expect(heap.size).toBe(model.length);
          }
          model.sort((a, b) => a.key - b.key || a.order - b.order);
          expect(drain(heap)).toEqual(model);
        },
      ),
      { seed: 41 },
    );
  });
});
