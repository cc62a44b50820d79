import { describe, expect, it } from 'vitest';
import { alive, members, SoloCore, testConfig } from './harness.js';

/** The documented bounds, written out: a suspect may be at most 2^20 above what we know, an alive 366 days ahead. */
const STEP = 1_048_576;
const LEAD_MS = 366 * 86_400_000;
/** A life that started at this wall-clock time (ms), as the runtime draws it. */
const LIFE_START = 1_796_000_000_000;

function node(): SoloCore {
  const solo = new SoloCore({
    initialMembers: members('a', 'b', 'c'),
    config: testConfig(),
    incarnation: LIFE_START,
  }).start(0);
  solo.autoAck = true;
  return solo;
}

describe('incarnations no honest node can send', () => {
  it('an accusation more than 2^20 above the known incarnation is dropped; one within the step applies', () => {
    const solo = node();
    solo.receive([{ type: 'suspect', id: 'a', incarnation: STEP + 1, fromId: 'b' }]);
    solo.receive([{ type: 'dead', id: 'b', incarnation: STEP + 1, fromId: 'a', viewDelayMs: 0 }]);
    solo.receive([{ type: 'left', id: 'c', incarnation: STEP + 1, viewDelayMs: 0 }]);
    expect(solo.core.stats().drops['incarnation-jump']).toBe(3);
    expect(['a', 'b', 'c'].map((id) => solo.core.member(id)?.state)).toEqual(['alive', 'alive', 'alive']);
    solo.receive([{ type: 'suspect', id: 'a', incarnation: STEP, fromId: 'b' }]);
    expect(solo.core.member('a')).toMatchObject({ state: 'suspect', incarnation: STEP });
  });

  it('an accusation about ourselves far above our incarnation is dropped, not refuted', () => {
    const solo = node();
    solo.receive([{ type: 'suspect', id: 'self', incarnation: Number.MAX_SAFE_INTEGER - 2, fromId: 'a' }]);
    expect(solo.core.incarnation).toBe(LIFE_START);
    expect(solo.core.stats().refutations).toBe(0);
    expect(solo.core.stats().drops['incarnation-ahead']).toBe(1);
    solo.receive([{ type: 'suspect', id: 'self', incarnation: LIFE_START + STEP + 1, fromId: 'a' }]);
    expect(solo.core.stats().drops['incarnation-jump']).toBe(1);
    expect(solo.core.incarnation).toBe(LIFE_START);
  });

  it('a member can always refute: a thousand worst accepted accusations leave it far below the ceiling', () => {
    const solo = node();
    for (let round = 0; round < 1000; round++) {
      const claimed = solo.core.incarnation + STEP;
      solo.receive([{ type: 'suspect', id: 'self', incarnation: claimed, fromId: 'a' }]);
      expect(solo.core.incarnation).toBe(claimed + 1);
    }
    expect(solo.core.incarnation).toBe(LIFE_START + 1000 * (STEP + 1));
    expect(solo.core.incarnation).toBeLessThan(Number.MAX_SAFE_INTEGER / 1000);
  });

  it('an alive more than 366 days ahead of our clock is dropped, for a stranger and for a member', () => {
    const solo = node();
    const ceiling = LIFE_START + LEAD_MS;
    solo.receive([alive('stranger', { incarnation: ceiling + 1 })]);
    solo.receive([alive('a', { incarnation: ceiling + 1, threads: 9 })]);
    expect(solo.core.member('stranger')).toBeUndefined();
    expect(solo.core.member('a')?.threads).toBe(1);
    expect(solo.core.stats().drops['incarnation-ahead']).toBe(2);
    solo.receive([alive('stranger', { incarnation: ceiling })]);
    expect(solo.core.member('stranger')?.state).toBe('alive');
  });

  it('the ceiling moves with our clock', () => {
    const solo = node();
    solo.advanceTo(60_000);
    solo.receive([alive('late', { incarnation: LIFE_START + LEAD_MS + 60_000 })]);
    expect(solo.core.member('late')?.state).toBe('alive');
  });
});
