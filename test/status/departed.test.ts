import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { MemberInfo } from '../../src/node/types.js';
import { DepartedTracker } from '../../src/status/departed.js';

const info = (id: string, state: MemberInfo['state']): MemberInfo => ({
  id,
  address: `127.0.0.1:${id.length}`,
  threads: 1,
  index: -1,
  state,
  incarnation: 0,
  metadata: {},
  rttMs: undefined,
});

/** A node stand-in: a membership table plus the events DepartedTracker listens to. */
function fakeNode() {
  const table = new Map<string, MemberInfo>();
  const emitter = new EventEmitter();
  const node = Object.assign(emitter, {
    id: 'self',
    address: '127.0.0.1:1',
    isStatic: false,
    indices: () => ({ index: 0, threads: 1, total: 1, viewId: 0, settled: true }),
    members: () => [],
    member: (id: string) => table.get(id),
    stats: () => {
      throw new Error('unused');
    },
  });
  const change = (event: string, member: MemberInfo) => {
    table.set(member.id, member);
    emitter.emit(event, member);
  };
  return { node, table, change };
}

describe('DepartedTracker', () => {
  it('lists failed and left members, most recent first, until they return or are reaped', () => {
    const { node, table, change } = fakeNode();
    const tracker = new DepartedTracker(node as never);
    change('fail', info('a', 'dead'));
    change('leave', info('b', 'left'));
    expect(tracker.list().map((m) => [m.id, m.state])).toEqual([
      ['b', 'left'],
      ['a', 'dead'],
    ]);
    change('recover', info('a', 'alive'));
    expect(tracker.list().map((m) => m.id)).toEqual(['b']);
    table.delete('b');
    expect(tracker.list()).toEqual([]);
  });

  it('drops a member that rejoined even if no event said so', () => {
    const { node, table, change } = fakeNode();
    const tracker = new DepartedTracker(node as never);
    change('fail', info('a', 'dead'));
    table.set('a', info('a', 'alive'));
    expect(tracker.list()).toEqual([]);
  });
});
