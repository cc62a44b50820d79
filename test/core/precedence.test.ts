import { describe, expect, it } from 'vitest';
import { isInView, judgeUpdate, type Verdict } from '../../src/core/precedence.js';
import type { MemberState } from '../../src/core/types.js';

type Relation = 'lower' | 'equal' | 'higher';

const CURRENT_INCARNATION = 5;
const incarnationFor: Record<Relation, number> = { lower: 4, equal: 5, higher: 6 };

/**
 * The whole table: what an update in state `update` at a lower, equal or
 * higher incarnation does to a member currently in state `current`. Written
 * out row by row from SWIM / memberlist rules so every cell is checked:
 *
 * - alive wins only with a higher incarnation (refutation or restart);
 * - suspect and dead override alive and suspect at the same or a higher
 *   incarnation; the same suspicion again is a confirmation;
 * - left overrides everything but left at the same or a higher incarnation;
 * - dead and left are final for their incarnation: only alive brings a member back;
 *   a later tombstone only raises the incarnation (advance);
 * - anything below the current incarnation is stale.
 */
const table: Record<MemberState, Record<MemberState, Record<Relation, Verdict>>> = {
  alive: {
    alive: { lower: 'ignore', equal: 'ignore', higher: 'apply' },
    suspect: { lower: 'ignore', equal: 'apply', higher: 'apply' },
    dead: { lower: 'ignore', equal: 'apply', higher: 'apply' },
    left: { lower: 'ignore', equal: 'apply', higher: 'apply' },
  },
  suspect: {
    alive: { lower: 'ignore', equal: 'ignore', higher: 'apply' },
    suspect: { lower: 'ignore', equal: 'confirm', higher: 'apply' },
    dead: { lower: 'ignore', equal: 'apply', higher: 'apply' },
    left: { lower: 'ignore', equal: 'apply', higher: 'apply' },
  },
  dead: {
    alive: { lower: 'ignore', equal: 'ignore', higher: 'apply' },
    suspect: { lower: 'ignore', equal: 'ignore', higher: 'ignore' },
    dead: { lower: 'ignore', equal: 'ignore', higher: 'advance' },
    left: { lower: 'ignore', equal: 'apply', higher: 'apply' },
  },
  left: {
    alive: { lower: 'ignore', equal: 'ignore', higher: 'apply' },
    suspect: { lower: 'ignore', equal: 'ignore', higher: 'ignore' },
    dead: { lower: 'ignore', equal: 'ignore', higher: 'advance' },
    left: { lower: 'ignore', equal: 'ignore', higher: 'advance' },
  },
};

const cells: Array<[MemberState, MemberState, Relation, Verdict]> = [];
for (const [current, row] of Object.entries(table) as Array<[MemberState, (typeof table)[MemberState]]>) {
  for (const [update, byRelation] of Object.entries(row) as Array<[MemberState, Record<Relation, Verdict>]>) {
    for (const [relation, verdict] of Object.entries(byRelation) as Array<[Relation, Verdict]>) {
      cells.push([current, update, relation, verdict]);
    }
  }
}

describe('judgeUpdate: the precedence table', () => {
  it('covers every state x state x incarnation relation', () => {
    expect(cells).toHaveLength(4 * 4 * 3);
  });

  it.each(cells)('current %s, update %s at a %s incarnation: %s', (current, update, relation, verdict) => {
    expect(
      judgeUpdate(
        { state: current, incarnation: CURRENT_INCARNATION },
        { state: update, incarnation: incarnationFor[relation] },
      ),
    ).toBe(verdict);
  });

  it('holds at incarnation 0 and at the top of the uint32 range', () => {
    expect(judgeUpdate({ state: 'alive', incarnation: 0 }, { state: 'suspect', incarnation: 0 })).toBe(
      'apply',
    );
    const top = 0xffff_fffe;
    expect(
      judgeUpdate({ state: 'suspect', incarnation: top }, { state: 'alive', incarnation: top + 1 }),
    ).toBe('apply');
    expect(judgeUpdate({ state: 'left', incarnation: top }, { state: 'alive', incarnation: top })).toBe(
      'ignore',
    );
  });
});

describe('judgeUpdate: strangers', () => {
  it.each([
    ['alive', 'apply'],
    ['suspect', 'ignore'],
    ['dead', 'ignore'],
    ['left', 'ignore'],
  ] as Array<[MemberState, Verdict]>)('an unknown member heard as %s: %s', (state, verdict) => {
    expect(judgeUpdate(undefined, { state, incarnation: 3 })).toBe(verdict);
  });
});

describe('isInView', () => {
  it.each([
    ['alive', true],
    ['suspect', true],
    ['dead', false],
    ['left', false],
  ] as Array<[MemberState, boolean]>)('%s -> %s', (state, inView) => {
    expect(isInView(state)).toBe(inView);
  });
});
