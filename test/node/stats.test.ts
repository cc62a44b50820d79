import { afterEach, describe, expect, it } from 'vitest';
import { createNode } from '../../src/index.js';
import { Cluster } from './helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.closeAll());

describe('stats()', () => {
  it('has the same fields on a static node as on a networked one, every counter 0 before any traffic', async () => {
    const networked = await cluster.start({ id: 'net' });
    const placed = await createNode({ static: { index: 0, total: 1 } });
    const fields = Object.keys(networked.stats()).sort();
    expect(Object.keys(placed.stats()).sort()).toEqual(fields);
    // Written out by hand: a counter that disappears or is renamed must fail here.
    const counters = [
      'bytesIn',
      'bytesOut',
      'idConflicts',
      'indirectProbes',
      'nacksReceived',
      'packetsIn',
      'packetsOut',
      'probes',
      'probesFailed',
      'refutations',
      'streamBytesIn',
      'streamBytesOut',
      'streamPacketsIn',
      'streamPacketsOut',
      'suspicions',
      'syncs',
      'syncsFailed',
      'syncsServed',
      'userEventsDuplicate',
      'userEventsReceived',
      'userEventsSent',
    ];
    expect(fields).toEqual([...counters, 'awareness', 'drops', 'membersKnown', 'rttMs', 'viewSize'].sort());
    expect(placed.stats()).toEqual({
      ...Object.fromEntries(counters.map((name) => [name, 0])),
      drops: {},
      awareness: 0,
      membersKnown: 1,
      viewSize: 1,
      rttMs: {},
    });
    await placed.close();
  });
});
