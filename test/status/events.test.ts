import { describe, expect, it } from 'vitest';
import { EventHub, type NumberedEvent } from '../../src/status/events.js';
import { eventFrame, SseClient, type SseSink } from '../../src/status/sse.js';

describe('EventHub', () => {
  it('turns a --json line into a typed event and numbers events from 1', () => {
    const hub = new EventHub({ streamId: 's' });
    const seen: NumberedEvent[] = [];
    hub.subscribe((n) => seen.push(n));
    hub.publishLine({ event: 'join', id: 'b', ts: 5 });
    hub.publishLine({ event: 'fail', id: 'b', type: 'shadowed', ts: 6 });
    expect(seen).toEqual([
      { seq: 1, event: { type: 'join', id: 'b', ts: 5 } },
      { seq: 2, event: { type: 'fail', id: 'b', ts: 6 } },
    ]);
  });

  it('keeps a bounded history and says when a reconnect asks for more than it kept', () => {
    const hub = new EventHub({ streamId: 's', historyMax: 3 });
    for (let i = 1; i <= 5; i++) hub.publish({ type: 'x', i });
    expect(hub.latest(10).map((n) => n.seq)).toEqual([3, 4, 5]);
    expect(hub.latest(2).map((n) => n.seq)).toEqual([4, 5]);
    expect(hub.latest(0)).toEqual([]);
    expect(hub.since(3)).toMatchObject({ complete: true, events: [{ seq: 4 }, { seq: 5 }] });
    expect(hub.since(2).complete).toBe(true);
    expect(hub.since(1).complete).toBe(false);
    expect(hub.since(5)).toEqual({ complete: true, events: [] });
  });

  it('stops delivering to a listener once it unsubscribes', () => {
    const hub = new EventHub();
    let count = 0;
    const off = hub.subscribe(() => {
      count += 1;
    });
    hub.publish({ type: 'a' });
    off();
    hub.publish({ type: 'b' });
    expect(count).toBe(1);
    expect(hub.subscribers).toBe(0);
  });
});

describe('SSE frames', () => {
  it('put one event on one data line, even with newlines in its strings', () => {
    const frame = eventFrame('s', { seq: 7, event: { type: 'user', payload: 'a\nb\r\nc' } });
    expect(frame).toBe('id: s-7\ndata: {"type":"user","payload":"a\\nb\\r\\nc"}\n\n');
    expect(frame.split('\n').filter((line) => line.startsWith('data:'))).toHaveLength(1);
  });
});

/** A socket stand-in whose buffer is "full" while `full` is true; drain() empties it. */
class FakeSink implements SseSink {
  written: string[] = [];
  full = false;
  destroyed = false;
  private drainListener: (() => void) | undefined;
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  once(_event: 'drain', listener: () => void): this {
    this.drainListener = listener;
    return this;
  }
  destroy(): void {
    this.destroyed = true;
  }
  drain(): void {
    this.full = false;
    const listener = this.drainListener;
    this.drainListener = undefined;
    listener?.();
  }
}

describe('SseClient', () => {
  it('writes straight through while the socket keeps up', () => {
    const sink = new FakeSink();
    const client = new SseClient(sink, 100, () => {});
    client.send('a');
    client.send('b');
    expect(sink.written).toEqual(['a', 'b']);
    expect(client.isBlocked).toBe(false);
  });

  it('holds frames while the socket pushes back and sends them in order once it drains', () => {
    const sink = new FakeSink();
    const client = new SseClient(sink, 100, () => {});
    sink.full = true;
    client.send('1');
    client.send('22');
    client.send('333');
    expect(sink.written).toEqual(['1']);
    expect(client.bufferedBytes).toBe(5);
    sink.drain();
    expect(sink.written).toEqual(['1', '22', '333']);
    expect(client.bufferedBytes).toBe(0);
    expect(client.isBlocked).toBe(false);
  });

  it('drops a reader whose buffer would pass the bound, once, and sends nothing after', () => {
    const sink = new FakeSink();
    let drops = 0;
    const client = new SseClient(sink, 10, () => {
      drops += 1;
    });
    sink.full = true;
    client.send('first');
    client.send('123456');
    client.send('1234');
    expect(sink.destroyed).toBe(false);
    client.send('x');
    expect(sink.destroyed).toBe(true);
    expect(drops).toBe(1);
    expect(client.isClosed).toBe(true);
    expect(client.bufferedBytes).toBe(0);
    client.send('later');
    client.drop();
    sink.drain();
    expect(sink.written).toEqual(['first']);
    expect(drops).toBe(1);
  });

  it('counts the buffer in UTF-8 bytes, not characters', () => {
    const sink = new FakeSink();
    let dropped = false;
    const client = new SseClient(sink, 8, () => {
      dropped = true;
    });
    sink.full = true;
    client.send('go');
    client.send('ééé');
    expect(client.bufferedBytes).toBe(6);
    client.send('éé');
    expect(dropped).toBe(true);
  });
});
