import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim/queue.js';

interface Item {
  time: number;
  label: number;
}

describe('EventQueue', () => {
  it('pops by time, then by insertion order', () => {
    const queue = new EventQueue<Item>();
    const push = (time: number, label: number): void => queue.push({ time, label });
    push(5, 1);
    push(1, 2);
    push(5, 3);
    push(0.5, 4);
    push(1, 5);
    const order: number[] = [];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) order.push(item.label);
    expect(order).toEqual([4, 2, 5, 1, 3]);
    expect(queue.size).toBe(0);
    expect(queue.peek()).toBeUndefined();
  });

  it('matches a stable sort for any interleaving of pushes and pops', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(-1)), { maxLength: 300 }),
        (ops) => {
          const queue = new EventQueue<Item>();
          const model: Item[] = [];
          let label = 0;
          for (const op of ops) {
            if (op >= 0) {
              const item = { time: op, label: label++ };
              queue.push(item);
              model.push(item);
            } else {
              // The model: earliest time, then earliest insertion.
              model.sort((a, b) => a.time - b.time || a.label - b.label);
              expect(queue.pop()?.label).toBe(model.shift()?.label);
            }
          }
          expect(queue.size).toBe(model.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
