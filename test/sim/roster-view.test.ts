/**
 * The view a core builds over the roster store: the store visits by id, so
 * the view is built without sorting when everyone comes in order, and sorted
 * when someone does not (this node outside the roster, a member that joined
 * later). Either way it is the one sorted view.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import { CoreContext } from '../../src/core/context.js';
import type { CoreHost } from '../../src/core/host.js';
import { MemberTable, newRecord } from '../../src/core/member-table.js';
import { PlainMemberStore } from '../../src/core/plain-member-store.js';
import { SeededRandom } from '../../src/core/random.js';
import type { Member } from '../../src/core/types.js';
import { ViewTracker } from '../../src/core/view-tracker.js';
import { RosterMemberStore } from '../../src/sim/roster-member-store.js';

const host: CoreHost = { send() {}, schedule() {}, sync() {}, notify() {} };

function rosterMember(id: string, threads: number): Member {
  return { id, address: `${id}:7946`, incarnation: 1, state: 'alive', threads, metadata: {} };
}

/** A table over `store` holding `roster`, with this node (`selfId`, 1 thread) in the view. */
function viewOf(shared: boolean, selfId: string, roster: readonly Member[], joiners: readonly string[] = []) {
  const self = newRecord({ id: selfId, address: 'self:7946', incarnation: 0, threads: 1, metadata: {} }, 0);
  self.viewThreads = 1;
  const table = new MemberTable(shared ? new RosterMemberStore(self) : new PlainMemberStore(self));
  if (shared) {
    expect(table.adoptInitial(roster, 0, 100)).toBeDefined();
  } else {
    for (const member of roster) {
      if (member.id === selfId) continue;
      const record = newRecord(member, 0);
      record.viewThreads = member.threads;
      table.add(record);
    }
  }
  for (const id of joiners) {
    const record = newRecord(rosterMember(id, 2), 0);
    record.viewThreads = 2;
    table.add(record);
  }
  const context = new CoreContext(selfId, resolveConfig({}, 'lan'), new SeededRandom(1), host);
  return new ViewTracker(context, table).view();
}

const roster = [rosterMember('n3', 1), rosterMember('n1', 2), rosterMember('n4', 0), rosterMember('n0', 3)];

describe('the view over the roster store', () => {
  it('lists this node in its place when it is in the roster', () => {
    const view = viewOf(true, 'n1', [...roster, rosterMember('n2', 5)]);
    expect(view.members).toEqual([
      { id: 'n0', threads: 3, index: 0 },
      { id: 'n1', threads: 1, index: 3 },
      { id: 'n2', threads: 5, index: 4 },
      { id: 'n3', threads: 1, index: 9 },
    ]);
    expect(view.total).toBe(10);
  });

  it('sorts when this node is not in the roster or a member joined later, as the plain store does', () => {
    const expected = [
      { id: 'n0', threads: 3, index: 0 },
      { id: 'n02', threads: 2, index: 3 },
      { id: 'n1', threads: 2, index: 5 },
      { id: 'n2', threads: 1, index: 7 },
      { id: 'n3', threads: 1, index: 8 },
    ];
    for (const shared of [true, false]) {
      const view = viewOf(shared, 'n2', roster, ['n02']);
      expect(view.members).toEqual(expected);
      expect(view.total).toBe(9);
    }
    expect(viewOf(true, 'n2', roster).members.map((member) => member.id)).toEqual(['n0', 'n1', 'n2', 'n3']);
  });
});
