import { afterEach, describe, expect, it } from 'vitest';
import {
  createNode,
  StateError,
  type UserEvent,
  UserEventRateError,
  UserEventTooLargeError,
} from '../../src/index.js';
import { Cluster, converged, waitUntil } from './helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.closeAll());

describe('user events over 127.0.0.1', () => {
  it('reach every node once, the sender included, with the bytes sent', async () => {
    const a = await cluster.start({ id: 'a' });
    const b = await cluster.start({ id: 'b', seeds: [a.address] });
    const c = await cluster.start({ id: 'c', seeds: [a.address] });
    await Promise.all([b.join(), c.join()]);
    const nodes = [a, b, c];
    await waitUntil(nodes, () => converged(nodes, 3), 'three nodes to settle');
    const heard = new Map<string, UserEvent[]>(nodes.map((node) => [node.id, []]));
    for (const node of nodes) node.on('event', (event) => heard.get(node.id)?.push(event));

    const ltime = b.broadcast('deploy', Uint8Array.of(0, 255, 7));
    // The sender hears its own event before broadcast() returns.
    expect(heard.get('b')).toHaveLength(1);
    await waitUntil(
      nodes,
      () => [...heard.values()].every((list) => list.length >= 1),
      'every node to hear it',
    );
    // Room for a duplicate to arrive: gossip rounds are 20 ms apart.
    const later = b.broadcast('marker', '');
    await waitUntil(nodes, () => [...heard.values()].every((list) => list.length >= 2), 'the marker');
    for (const node of nodes) {
      const events = heard.get(node.id) ?? [];
      expect(events.map((e) => [e.name, e.from, e.ltime])).toEqual([
        ['deploy', 'b', ltime],
        ['marker', 'b', later],
      ]);
      expect([...(events[0]?.payload ?? [])]).toEqual([0, 255, 7]);
    }
    expect(a.stats().userEventsReceived).toBe(2);
  });

  it('refuses what breaks the limits, and any event once the node has closed', async () => {
    const node = await cluster.start({
      id: 'solo',
      config: { userEventPayloadBytesMax: 4, userEventSendPerSecondMax: 2 },
    });
    expect(() => node.broadcast('big', '12345')).toThrow(UserEventTooLargeError);
    node.broadcast('one', '1234');
    node.broadcast('two');
    expect(() => node.broadcast('three')).toThrow(UserEventRateError);
    await node.close();
    expect(() => node.broadcast('late')).toThrow(StateError);
  });

  it('a static node delivers its events to itself alone', async () => {
    const node = await createNode({ static: { index: 0, total: 1 } });
    const heard: UserEvent[] = [];
    node.on('event', (event) => heard.push(event));
    expect([node.broadcast('a', 'x'), node.broadcast('b')]).toEqual([0, 1]);
    expect(heard.map((e) => [e.name, e.from, new TextDecoder().decode(e.payload)])).toEqual([
      ['a', node.id, 'x'],
      ['b', node.id, ''],
    ]);
    await node.close();
  });
});
