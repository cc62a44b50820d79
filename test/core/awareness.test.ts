import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Awareness } from '../../src/core/awareness.js';

describe('Awareness (Lifeguard local health)', () => {
  it('starts healthy and leaves timeouts unscaled', () => {
    const awareness = new Awareness(8);
    expect(awareness.health).toBe(0);
    expect(awareness.scaleMs(500)).toBe(500);
  });

  it('rises with positive deltas and scales timeouts by score + 1', () => {
    const awareness = new Awareness(8);
    awareness.applyDelta(1);
    awareness.applyDelta(2);
    expect(awareness.health).toBe(3);
    expect(awareness.scaleMs(500)).toBe(2000);
    expect(awareness.scaleMs(1000)).toBe(4000);
  });

  it('saturates at awarenessMaxMultiplier - 1', () => {
    const awareness = new Awareness(8);
    awareness.applyDelta(100);
    expect(awareness.health).toBe(7);
    expect(awareness.scaleMs(1000)).toBe(8000);
  });

  it('falls on success but never below zero', () => {
    const awareness = new Awareness(8);
    awareness.applyDelta(2);
    awareness.applyDelta(-1);
    expect(awareness.health).toBe(1);
    awareness.applyDelta(-5);
    expect(awareness.health).toBe(0);
  });

  it('is disabled by a multiplier of 1', () => {
    const awareness = new Awareness(1);
    awareness.applyDelta(3);
    expect(awareness.health).toBe(0);
    expect(awareness.scaleMs(500)).toBe(500);
  });

  it('stays within [0, max - 1] under any sequence of deltas', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.integer({ min: -10, max: 10 }), { maxLength: 50 }),
        (max, deltas) => {
          const awareness = new Awareness(max);
          for (const delta of deltas) {
            awareness.applyDelta(delta);
            expect(awareness.health).toBeGreaterThanOrEqual(0);
            expect(awareness.health).toBeLessThanOrEqual(max - 1);
          }
        },
      ),
      { seed: 7 },
    );
  });
});
