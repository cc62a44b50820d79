/**
 * The table's count of live members this node vouches for (the majority
 * rule of MeshCore.lostMostMembers), kept in O(1) per update, against a
 * plain model that recounts every member after each step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemberTable, newRecord } from '../../src/core/member-table.js';
import { PlainMemberStore } from '../../src/core/plain-member-store.js';
import { isInView } from '../../src/core/precedence.js';
import type { MemberState } from '../../src/core/types.js';

const IDS = ['a', 'b', 'c', 'd', 'e', 'f'];
const STATES: MemberState[] = ['alive', 'suspect', 'dead', 'left'];

type Step =
  | { readonly kind: 'add'; readonly id: string; readonly vouched: boolean }
  | { readonly kind: 'state'; readonly id: string; readonly state: MemberState }
  | { readonly kind: 'remove'; readonly id: string }
  | { readonly kind: 'vouch-all'; readonly self: boolean }
  | { readonly kind: 'unvouch'; readonly id: string }
  | { readonly kind: 'self-state'; readonly state: MemberState };

const idArb = fc.constantFrom(...IDS);
const stateArb = fc.constantFrom(...STATES);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), id: idArb, vouched: fc.boolean() }),
  fc.record({ kind: fc.constant('state' as const), id: idArb, state: stateArb }),
  fc.record({ kind: fc.constant('remove' as const), id: idArb }),
  fc.record({ kind: fc.constant('vouch-all' as const), self: fc.boolean() }),
  fc.record({ kind: fc.constant('unvouch' as const), id: idArb }),
  fc.record({
    kind: fc.constant('self-state' as const),
    state: fc.constantFrom<MemberState>('alive', 'left'),
  }),
);

function selfRecord() {
  return newRecord({ id: 'self', address: '10.0.0.1:7946', incarnation: 0, threads: 1, metadata: {} }, 0);
}

describe('member table: vouched members', () => {
  it('counts the live members it vouches for as a recount of every member would', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const table = new MemberTable(new PlainMemberStore(selfRecord()));
        const model = new Map<string, { state: MemberState; vouched: boolean }>();
        let selfVouched = false;
        let vouchedBefore = false;
        for (const step of steps) {
          switch (step.kind) {
            case 'add':
              if (model.has(step.id)) break;
              table.add(
                newRecord(
                  { id: step.id, address: '10.0.0.2:7946', incarnation: 1, threads: 1, metadata: {} },
                  0,
                ),
                step.vouched,
              );
              model.set(step.id, { state: 'alive', vouched: step.vouched });
              break;
            case 'state': {
              const record = table.record(step.id);
              const member = model.get(step.id);
              if (record === undefined || member === undefined) break;
              table.setState(record, step.state);
              member.state = step.state;
              break;
            }
            case 'remove': {
              // Only tombstones are removed.
              const record = table.record(step.id);
              if (record === undefined || isInView(record.state)) break;
              table.remove(record);
              model.delete(step.id);
              break;
            }
            case 'vouch-all':
              table.vouchAll(step.self);
              vouchedBefore = true;
              for (const member of model.values()) member.vouched = true;
              if (step.self) selfVouched = true;
              break;
            case 'unvouch': {
              table.unvouch(step.id);
              const member = model.get(step.id);
              if (member !== undefined) member.vouched = false;
              break;
            }
            case 'self-state':
              table.setState(table.self, step.state);
              break;
          }
          let expected = selfVouched && isInView(table.self.state) ? 1 : 0;
          for (const member of model.values()) if (member.vouched && isInView(member.state)) expected++;
          expect(table.vouchedBefore).toBe(vouchedBefore);
          if (vouchedBefore) expect(table.vouchedLiveCount).toBe(expected);
          for (const [id, member] of model) expect(table.isVouched(id)).toBe(vouchedBefore && member.vouched);
        }
      }),
      { numRuns: 300 },
    );
  });
});
