import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../src/core/min-heap.js';

interface Item {
  readonly key: number;
  readonly order: number;
}

function push(heap: MinHeap<Item>, item: Item): void {
  heap.push(item.key, item);
}

function drain(heap: MinHeap<Item>): Item[] {
  const out: Item[] = [];
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push(item);
  return out;
}

describe('MinHeap', () => {
  it('is empty at first and after clear()', () => {
    const heap = new MinHeap<Item>();
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(heap.peekTimeMs()).toBe(Number.POSITIVE_INFINITY);
    expect(heap.pop()).toBeUndefined();
    push(heap, { key: 1, order: 0 });
    push(heap, { key: 0, order: 1 });
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
    push(heap, { key: 7, order: 2 });
    expect(drain(heap)).toEqual([{ key: 7, order: 2 }]);
  });

  it('pops 5, 3, 9, 1, 3 as 1, 3, 3, 5, 9, the equal keys in insertion order', () => {
    const heap = new MinHeap<Item>();
    for (const [order, key] of [5, 3, 9, 1, 3].entries()) push(heap, { key, order });
    expect(heap.size).toBe(5);
    expect(heap.peek()).toEqual({ key: 1, order: 3 });
    expect(heap.peekTimeMs()).toBe(1);
    expect(drain(heap)).toEqual([
      { key: 1, order: 3 },
      { key: 3, order: 1 },
      { key: 3, order: 4 },
      { key: 5, order: 0 },
      { key: 9, order: 2 },
    ]);
  });

  it('keeps 200 pushes at one time in insertion order past its initial capacity', () => {
    const heap = new MinHeap<Item>();
    const items = Array.from({ length: 200 }, (_, order) => ({ key: 4, order }));
    for (const item of items) push(heap, item);
    expect(drain(heap)).toEqual(items);
  });

  it('pops any sequence of pushes and pops in the order a stable sort gives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), { maxLength: 300 }),
        (ops) => {
          const heap = new MinHeap<Item>();
          const model: Item[] = [];
          let order = 0;
          for (const op of ops) {
            if (op === undefined) {
              // Pop: the model's smallest key, first pushed among equals.
              model.sort((a, b) => a.key - b.key || a.order - b.order);
              expect(heap.peekTimeMs()).toBe(model[0]?.key ?? Number.POSITIVE_INFINITY);
              expect(heap.pop()).toEqual(model.shift());
            } else {
              const item = { key: op, order: order++ };
              push(heap, item);
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
