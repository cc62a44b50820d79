import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../src/runtime/memory-transport.js';
import type { TransportReceiver } from '../../src/runtime/transport.js';
import { until } from './until.js';

interface Heard {
  datagrams: Array<{ bytes: number[]; from: string }>;
  packets: Array<{ bytes: number[]; from: string }>;
  requests: string[];
  streamBytes: { in: number; out: number };
}

function listener(answer: (request: Uint8Array) => Uint8Array | undefined = () => undefined) {
  const heard: Heard = { datagrams: [], packets: [], requests: [], streamBytes: { in: 0, out: 0 } };
  const receiver: TransportReceiver = {
    onDatagram: (bytes, from) => heard.datagrams.push({ bytes: [...bytes], from }),
    onStreamPacket: (bytes, from) => heard.packets.push({ bytes: [...bytes], from }),
    onStateRequest: (request, from) => {
      heard.requests.push(from);
      return answer(request);
    },
    onDrop: () => {},
    onStreamBytes: (inBytes, outBytes) => {
      heard.streamBytes.in += inBytes;
      heard.streamBytes.out += outBytes;
    },
  };
  return { heard, receiver };
}

describe('MemoryNetwork', () => {
  it('delivers datagrams in order, on a later turn, with a copy of the bytes and the sender address', async () => {
    const network = new MemoryNetwork();
    const a = network.transport('10.0.0.1:7946');
    const b = network.transport('10.0.0.2:7946');
    const heard = listener();
    a.open(listener().receiver);
    b.open(heard.receiver);
    const buffer = Uint8Array.of(1, 2, 3);
    expect(a.sendDatagram(b.localAddress, buffer)).toBe(true);
    buffer[0] = 9;
    expect(a.sendDatagram(b.localAddress, Uint8Array.of(4))).toBe(true);
    expect(heard.heard.datagrams).toEqual([]);
    await until(() => heard.heard.datagrams.length === 2);
    expect(heard.heard.datagrams).toEqual([
      { bytes: [1, 2, 3], from: '10.0.0.1:7946' },
      { bytes: [4], from: '10.0.0.1:7946' },
    ]);
  });

  it('answers a state exchange with what the receiver returns, counting stream bytes on both sides', async () => {
    const network = new MemoryNetwork();
    const a = network.transport('a:1');
    const b = network.transport('b:1');
    const asker = listener();
    const answerer = listener((request) => Uint8Array.of(...request, 42));
    a.open(asker.receiver);
    b.open(answerer.receiver);
    const answer = await a.exchangeState('b:1', Uint8Array.of(7, 8));
    expect([...answer]).toEqual([7, 8, 42]);
    expect(answerer.heard.requests).toEqual(['a:1']);
    expect(asker.heard.streamBytes).toEqual({ in: 3, out: 2 });
    expect(answerer.heard.streamBytes).toEqual({ in: 2, out: 3 });
  });

  it('refuses an exchange nobody listens for, and fails one the receiver hangs up on', async () => {
    const network = new MemoryNetwork();
    const a = network.transport('a:1');
    const b = network.transport('b:1');
    a.open(listener().receiver);
    b.open(listener(() => undefined).receiver);
    await expect(a.exchangeState('c:1', Uint8Array.of(1))).rejects.toMatchObject({
      code: 'ERR_MESH_TRANSPORT',
      reason: 'ECONNREFUSED',
    });
    await expect(a.exchangeState('b:1', Uint8Array.of(1))).rejects.toMatchObject({ reason: 'closed' });
  });

  it('loses everything to and from an isolated address until it is reconnected', async () => {
    const network = new MemoryNetwork();
    const a = network.transport('a:1');
    const b = network.transport('b:1');
    const heardByB = listener(() => Uint8Array.of(1));
    a.open(listener().receiver);
    b.open(heardByB.receiver);
    network.isolate('b:1');
    a.sendDatagram('b:1', Uint8Array.of(1));
    a.sendStreamPacket('b:1', Uint8Array.of(2));
    await expect(a.exchangeState('b:1', Uint8Array.of(3))).rejects.toMatchObject({ reason: 'unreachable' });
    network.isolate('b:1', false);
    a.sendDatagram('b:1', Uint8Array.of(4));
    a.sendStreamPacket('b:1', Uint8Array.of(5));
    await until(() => heardByB.heard.packets.length === 1);
    expect(heardByB.heard.datagrams.map((d) => d.bytes)).toEqual([[4]]);
    expect(heardByB.heard.packets.map((p) => p.bytes)).toEqual([[5]]);
    expect(heardByB.heard.requests).toEqual([]);
  });

  it('a closed transport neither sends nor hears, and frees its address', async () => {
    const network = new MemoryNetwork();
    const a = network.transport('a:1');
    const b = network.transport('b:1');
    const heardByB = listener();
    a.open(listener().receiver);
    b.open(heardByB.receiver);
    a.sendDatagram('b:1', Uint8Array.of(1));
    await b.close();
    await a.exchangeState('b:1', Uint8Array.of(1)).catch(() => {});
    expect(heardByB.heard.datagrams).toEqual([]);
    expect(b.sendDatagram('a:1', Uint8Array.of(1))).toBe(false);
    await expect(b.exchangeState('a:1', Uint8Array.of(1))).rejects.toMatchObject({ reason: 'closed' });
    expect(() => network.transport('a:1')).toThrow(RangeError);
    expect(network.transport('b:1').localAddress).toBe('b:1');
  });
});
