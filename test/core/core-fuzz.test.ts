/**
 * The core under arbitrary input: any sequence of well-formed messages and
 * states (what the codec lets through), from members' addresses and from
 * strangers, interleaved with timers. Whatever it is told, the core never
 * throws, holds itself alive, keeps its table within membersMax and its view
 * a tiling of [0, total), and its own incarnation never goes down.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message, StateMessage } from '../../src/core/messages.js';
import { messageArb, stateArb } from '../codec/helpers.js';
import { addressFor, members, SoloCore, testConfig } from './harness.js';

const IDS = ['a', 'b', 'c', 'self'];

/** Some messages name the node's own id and its members, so that they reach every branch. */
const aimedMessageArb: fc.Arbitrary<Message> = fc
  .tuple(messageArb, fc.constantFrom(...IDS), fc.boolean())
  .map(([message, id, aim]) => {
    if (!aim) return message;
    if ('targetId' in message) return { ...message, targetId: id } as Message;
    if ('id' in message) return { ...message, id } as Message;
    return message;
  });

type Input =
  | { kind: 'packet'; messages: Message[]; from: string; stream: boolean }
  | { kind: 'state'; state: StateMessage; reply: boolean; from: string }
  | { kind: 'time'; ms: number };

const fromArb = fc.oneof(fc.constantFrom(...IDS.map(addressFor)), fc.constant('10.66.0.1:5000'));
const inputArb: fc.Arbitrary<Input> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('packet' as const),
      messages: fc.array(aimedMessageArb, { maxLength: 8 }),
      from: fromArb,
      stream: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('state' as const),
      state: stateArb,
      reply: fc.boolean(),
      from: fromArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 1, max: 5000 }) }),
  },
);

describe('the core under arbitrary input', () => {
  for (const verifyMembers of [false, true]) {
    it(`never throws and keeps its invariants (verifyMembers ${verifyMembers})`, () => {
      fc.assert(
        fc.property(fc.array(inputArb, { maxLength: 40 }), (inputs) => {
          const config = testConfig({ verifyMembers, membersMax: 16 });
          const solo = new SoloCore({ initialMembers: members('a', 'b', 'c'), config }).start(0);
          solo.autoAck = true;
          let ownIncarnation = solo.core.incarnation;
          for (const input of inputs) {
            if (input.kind === 'packet')
              solo.receive(input.messages, input.from, input.stream ? 'stream' : 'datagram');
            else if (input.kind === 'state' && input.reply)
              solo.core.handleSyncReply(input.state, input.from, solo.host.nowMs);
            else if (input.kind === 'state') solo.core.answerState(input.state, input.from, solo.host.nowMs);
            else solo.advanceTo(solo.host.nowMs + input.ms);
            expect(solo.core.incarnation).toBeGreaterThanOrEqual(ownIncarnation);
            ownIncarnation = solo.core.incarnation;
            expect(solo.core.member('self')?.state).toBe('alive');
            expect(solo.core.members().length).toBeLessThanOrEqual(16);
            const view = solo.core.view();
            let next = 0;
            for (const member of view.members) {
              expect(member.index).toBe(next);
              next += member.threads;
            }
            expect(view.total).toBe(next);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
