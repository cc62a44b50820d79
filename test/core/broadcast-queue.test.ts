import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BroadcastQueue } from '../../src/core/broadcast-queue.js';
import type { UpdateMessage } from '../../src/core/messages.js';

function suspect(id: string, incarnation = 0): UpdateMessage {
  return { type: 'suspect', id, incarnation, fromId: 'x' };
}

const ids = (taken: ReturnType<BroadcastQueue['take']>) => taken.map((update) => update.message.id);

describe('BroadcastQueue ordering', () => {
  it('hands out updates sent the fewest times first', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', suspect('a'), 10);
    expect(ids(queue.take(1000, 5))).toEqual(['a']);
    queue.enqueue('b', suspect('b'), 10);
    expect(ids(queue.take(1000, 5))).toEqual(['b', 'a']);
    expect(queue.transmitsOf('a')).toBe(2);
    expect(queue.transmitsOf('b')).toBe(1);
  });

  it('prefers the fresher update when the budget only fits one', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('old', suspect('old'), 10);
    queue.take(1000, 5);
    queue.enqueue('new', suspect('new'), 10);
    expect(ids(queue.take(15, 5))).toEqual(['new']);
  });
});

describe('BroadcastQueue retransmit limit', () => {
  it('drops an update once it has gone out `limit` times', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', suspect('a'), 10);
    for (let i = 0; i < 3; i++) expect(ids(queue.take(1000, 3))).toEqual(['a']);
    expect(queue.take(1000, 3)).toEqual([]);
    expect(queue.length).toBe(0);
    expect(queue.transmitsOf('a')).toBeUndefined();
  });

  it('forgets updates already spent when the limit drops (the cluster shrank)', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', suspect('a'), 10);
    queue.take(1000, 8);
    queue.take(1000, 8);
    queue.enqueue('b', suspect('b'), 10);
    expect(ids(queue.take(1000, 2))).toEqual(['b']);
    expect(queue.transmitsOf('a')).toBeUndefined();
  });

  it('sends a backup update `backupLimit` times and a full one `limit` times, side by side', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('full', suspect('full'), 10);
    queue.enqueue('backup', suspect('backup'), 10, 0, 'backup');
    const rounds = Array.from({ length: 6 }, () => ids(queue.take(1000, 5, 10, 2)).sort());
    expect(rounds).toEqual([['backup', 'full'], ['backup', 'full'], ['full'], ['full'], ['full'], []]);
  });

  it('a replacing update spreads as the replacement says, not as the update it replaced', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', suspect('a'), 10, 0, 'backup');
    queue.take(1000, 4, 10, 1);
    queue.enqueue('a', suspect('a', 1), 10);
    const sent = Array.from({ length: 5 }, () => queue.take(1000, 4, 10, 1).length);
    expect(sent).toEqual([1, 1, 1, 1, 0]);
  });
});

describe('BroadcastQueue invalidation', () => {
  it('keeps one entry per member: a newer update replaces the older', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', suspect('a', 1), 10);
    queue.enqueue('a', { type: 'dead', id: 'a', incarnation: 1, fromId: 'x', viewDelayMs: 0 }, 12);
    expect(queue.length).toBe(1);
    const taken = queue.take(1000, 5);
    expect(taken).toHaveLength(1);
    expect(taken[0]?.message.type).toBe('dead');
  });

  it('restarts the transmit count of the replacing update', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', suspect('a', 1), 10);
    queue.take(1000, 3);
    queue.take(1000, 3);
    queue.enqueue('a', suspect('a', 2), 10);
    expect(queue.transmitsOf('a')).toBe(0);
    for (let i = 0; i < 3; i++) expect(queue.take(1000, 3)).toHaveLength(1);
    expect(queue.take(1000, 3)).toHaveLength(0);
  });

  it('keeps the view deadline of the update that replaced the older one', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', suspect('a', 1), 10, 500);
    queue.enqueue('a', suspect('a', 2), 10, 900);
    expect(queue.take(1000, 3)[0]?.viewAtMs).toBe(900);
  });

  it('forgets a removed member', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', suspect('a'), 10);
    queue.enqueue('b', suspect('b'), 10);
    queue.remove('a');
    queue.remove('nobody');
    expect(queue.length).toBe(1);
    expect(ids(queue.take(1000, 3))).toEqual(['b']);
  });
});

describe('BroadcastQueue budgets', () => {
  it('takes only what fits in the byte budget and skips an update too big for what is left', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('big', suspect('big'), 60);
    queue.enqueue('small', suspect('small'), 30);
    queue.enqueue('mid', suspect('mid'), 40);
    const taken = queue.take(75, 5);
    expect(ids(taken)).toEqual(['big']);
    // 15 bytes left: neither 30 nor 40 fits, and nothing else is counted as sent.
    expect(queue.transmitsOf('small')).toBe(0);
    expect(queue.transmitsOf('mid')).toBe(0);
    expect(ids(queue.take(75, 5))).toEqual(['small', 'mid']);
  });

  it('takes nothing when the budget is below the smallest update', () => {
    const queue = new BroadcastQueue(100);
    queue.enqueue('a', suspect('a'), 8);
    expect(queue.take(7, 5)).toEqual([]);
    expect(queue.transmitsOf('a')).toBe(0);
  });

  it('takes at most countMax updates', () => {
    const queue = new BroadcastQueue(100);
    for (let i = 0; i < 10; i++) queue.enqueue(`m${i}`, suspect(`m${i}`), 10);
    expect(queue.take(10_000, 5, 4)).toHaveLength(4);
    expect(queue.take(10_000, 5, 0)).toHaveLength(0);
  });

  it('refuses new members once full, but still accepts a replacement', () => {
    const queue = new BroadcastQueue(2);
    expect(queue.enqueue('a', suspect('a'), 10)).toBe(true);
    expect(queue.enqueue('b', suspect('b'), 10)).toBe(true);
    expect(queue.enqueue('c', suspect('c'), 10)).toBe(false);
    expect(queue.enqueue('a', suspect('a', 1), 10)).toBe(true);
    expect(queue.length).toBe(2);
  });
});

describe('BroadcastQueue properties', () => {
  type Op =
    | { kind: 'enqueue'; key: number; bytes: number }
    | { kind: 'take'; budget: number; limit: number; count: number }
    | { kind: 'remove'; key: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('enqueue' as const),
      key: fc.integer({ min: 0, max: 40 }),
      bytes: fc.integer({ min: 8, max: 300 }),
    }),
    fc.record({
      kind: fc.constant('take' as const),
      budget: fc.integer({ min: 0, max: 1400 }),
      limit: fc.integer({ min: 1, max: 12 }),
      count: fc.integer({ min: 0, max: 200 }),
    }),
    fc.record({ kind: fc.constant('remove' as const), key: fc.integer({ min: 0, max: 40 }) }),
  );

  it('never holds more than its bound, never exceeds a take budget, never repeats or overuses an update', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(op, { maxLength: 200 }), (bound, ops) => {
        const queue = new BroadcastQueue(bound);
        const sizes = new Map<string, number>();
        const sent = new Map<string, number>();
        for (const step of ops) {
          if (step.kind === 'enqueue') {
            const key = `k${step.key}`;
            if (queue.enqueue(key, suspect(key), step.bytes)) {
              sizes.set(key, step.bytes);
              sent.set(key, 0);
            }
          } else if (step.kind === 'remove') {
            queue.remove(`k${step.key}`);
          } else {
            const before = queue.length;
            const taken = queue.take(step.budget, step.limit, step.count);
            const keys = ids(taken);
            expect(new Set(keys).size).toBe(keys.length);
            expect(keys.length).toBeLessThanOrEqual(Math.min(step.count, before));
            const bytes = keys.reduce((sum, key) => sum + (sizes.get(key) ?? 0), 0);
            expect(bytes).toBeLessThanOrEqual(step.budget);
            for (const key of keys) {
              const count = (sent.get(key) ?? 0) + 1;
              sent.set(key, count);
              expect(count).toBeLessThanOrEqual(step.limit);
            }
          }
          expect(queue.length).toBeLessThanOrEqual(bound);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('view changes in flight', () => {
  const alive = (id: string) =>
    ({
      type: 'alive',
      id,
      address: '10.0.0.1:7946',
      incarnation: 1,
      threads: 1,
      metadata: {},
      viewDelayMs: 0,
    }) as const;

  it('counts queued updates that carry a view deadline until they are spent, replaced or removed', () => {
    const queue = new BroadcastQueue(16);
    queue.enqueue('a', alive('a'), 40, 1500);
    queue.enqueue('b', alive('b'), 40, 0);
    expect(queue.viewChangesQueued).toBe(1);
    queue.enqueue('a', alive('a'), 40, 0); // replaced by an update with no view change
    expect(queue.viewChangesQueued).toBe(0);
    queue.enqueue('c', alive('c'), 40, 900);
    queue.remove('c');
    expect(queue.viewChangesQueued).toBe(0);
    queue.enqueue('d', alive('d'), 40, 900);
    // A limit of 2 transmissions: the second take spends it.
    queue.take(1000, 2);
    expect(queue.viewChangesQueued).toBe(1);
    queue.take(1000, 2);
    expect(queue.viewChangesQueued).toBe(0);
  });
});
