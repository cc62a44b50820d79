/**
 * One server-sent-events client. Frames go straight to the socket while it
 * keeps up; once the socket pushes back, they wait in a buffer bounded in
 * bytes, and a client that lets the buffer fill is disconnected instead of
 * making the agent hold more and more for it (EventSource reconnects with
 * Last-Event-ID and catches up from the history, or is told to re-read).
 */
import type { NumberedEvent } from './events.js';

/** What a client writes to: a ServerResponse in the server, a fake in tests. */
export interface SseSink {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  destroy(): void;
}

/** Bytes a slow client may have waiting before it is dropped, by default. */
export const SSE_CLIENT_BUFFER_BYTES_DEFAULT = 64 * 1024;

/** The SSE id of an event: the stream id and the sequence number, so a restarted agent is told apart. */
export function eventId(streamId: string, seq: number): string {
  return `${streamId}-${seq}`;
}

/** One event as an SSE frame: its id and one `data:` line of JSON (JSON.stringify escapes every newline). */
export function eventFrame(streamId: string, numbered: NumberedEvent): string {
  return `id: ${eventId(streamId, numbered.seq)}\ndata: ${JSON.stringify(numbered.event)}\n\n`;
}

/** A comment line: ignored by EventSource, it keeps proxies and idle timers from closing the stream. */
export const HEARTBEAT_FRAME = ': keepalive\n\n';

export class SseClient {
  private readonly sink: SseSink;
  private readonly bufferBytesMax: number;
  private readonly onOverflow: () => void;
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private blocked = false;
  private closed = false;

  constructor(sink: SseSink, bufferBytesMax: number, onOverflow: () => void) {
    this.sink = sink;
    this.bufferBytesMax = bufferBytesMax;
    this.onOverflow = onOverflow;
  }

  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the socket has not drained what was last written. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  send(frame: string): void {
    if (this.closed) return;
    if (!this.blocked) {
      if (!this.sink.write(frame)) this.waitForDrain();
      return;
    }
    const bytes = Buffer.byteLength(frame);
    if (this.queuedBytes + bytes > this.bufferBytesMax) {
      this.drop();
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += bytes;
  }

  /** Stops sending (the connection ended); frames still waiting are discarded. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private waitForDrain(): void {
    this.blocked = true;
    this.sink.once('drain', () => this.flush());
  }

  private flush(): void {
    this.blocked = false;
    while (!this.closed && this.queue.length > 0) {
      const frame = this.queue.shift() as string;
      this.queuedBytes -= Buffer.byteLength(frame);
      if (!this.sink.write(frame)) {
        this.waitForDrain();
        return;
      }
    }
  }

  /** Disconnects the reader (it is not keeping up); the owner hears it through onOverflow. */
  drop(): void {
    if (this.closed) return;
    this.close();
    this.sink.destroy();
    this.onOverflow();
  }
}
