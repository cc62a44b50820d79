/**
 * `GET /v1/events`: the agent's events as server-sent events.
 *
 *   retry: 3000
 *
 *   id: <stream>-<seq>
 *   data: {"type":"join","id":"b","address":"127.0.0.1:7001",...,"ts":1764580000000}
 *
 * One JSON object per `data:` line, its `type` the name the agent's --json
 * line uses. `?history=N` first replays the newest N kept events (a page's
 * log); a reconnect with `Last-Event-ID` replays what it missed, and gets
 * `{"type":"resync"}` first when some of that is no longer kept or the id is
 * from another run of the agent: the reader should then re-read /v1/members.
 * A `: keepalive` comment goes out every heartbeat. Streams are capped in
 * number, and a reader that stops reading is dropped (see sse.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../runtime/logger.js';
import type { EventHub, NumberedEvent } from './events.js';
import { sendJsonError } from './reply.js';
import { redactEvent } from './responses.js';
import { eventFrame, HEARTBEAT_FRAME, SseClient } from './sse.js';

export interface EventStreamOptions {
  readonly clientsMax: number;
  readonly bufferBytesMax: number;
  readonly heartbeatMs: number;
  /** Heartbeats a stream may stay blocked (its reader not reading) before it is dropped. */
  readonly stalledHeartbeatsMax: number;
  readonly logger: Logger;
}

/** Tells a reader that it missed events and should re-read the state. */
const RESYNC: NumberedEvent['event'] = { type: 'resync' };

interface Stream {
  readonly client: SseClient;
  stalledHeartbeats: number;
}

export class EventStreams {
  private readonly hub: EventHub;
  private readonly options: EventStreamOptions;
  private readonly streams = new Set<Stream>();
  private readonly heartbeat: NodeJS.Timeout;
  /** Streams refused at the cap and streams dropped for not reading, since start. */
  refused = 0;
  dropped = 0;

  constructor(hub: EventHub, options: EventStreamOptions) {
    this.hub = hub;
    this.options = options;
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  get open(): number {
    return this.streams.size;
  }

  /** Serves one stream; `authorized` decides whether private event fields are sent. */
  serve(req: IncomingMessage, res: ServerResponse, url: URL, authorized: boolean): void {
    const history = parseHistory(url.searchParams.get('history'));
    if (history === undefined) {
      sendJsonError(res, 400, 'bad_request', 'history must be an integer between 0 and 10000');
      return;
    }
    if (this.streams.size >= this.options.clientsMax) {
      this.refused += 1;
      this.options.logger.warn(
        { streams: this.streams.size, max: this.options.clientsMax },
        'status API: event stream limit reached; refusing a stream',
      );
      sendJsonError(res, 503, 'too_many_streams', `at most ${this.options.clientsMax} event streams`, {
        'retry-after': '10',
      });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // The heartbeat keeps the connection busy; the server's idle timeout is for request sockets.
    req.socket.setTimeout(0);
    const stream: Stream = {
      client: new SseClient(res, this.options.bufferBytesMax, () => {
        this.dropped += 1;
        this.options.logger.warn(
          { remote: req.socket.remoteAddress, bufferBytesMax: this.options.bufferBytesMax },
          'status API: dropped an event stream whose reader is not keeping up',
        );
      }),
      stalledHeartbeats: 0,
    };
    const send = (numbered: NumberedEvent) =>
      stream.client.send(
        eventFrame(this.hub.streamId, {
          seq: numbered.seq,
          event: authorized ? numbered.event : redactEvent(numbered.event),
        }),
      );
    stream.client.send('retry: 3000\n\n');
    for (const numbered of this.replay(req.headers['last-event-id'], history)) send(numbered);
    const unsubscribe = this.hub.subscribe(send);
    this.streams.add(stream);
    res.on('close', () => {
      unsubscribe();
      stream.client.close();
      this.streams.delete(stream);
    });
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const stream of this.streams) stream.client.close();
    this.streams.clear();
  }

  private replay(lastEventId: string | string[] | undefined, history: number): NumberedEvent[] {
    if (typeof lastEventId !== 'string' || lastEventId === '') return this.hub.latest(history);
    const match = /^([0-9a-z]+)-([0-9]{1,15})$/.exec(lastEventId.trim());
    const resync = { seq: this.hub.seq, event: RESYNC };
    if (match === null || match[1] !== this.hub.streamId) return [resync, ...this.hub.latest(history)];
    const missed = this.hub.since(Number(match[2]));
    return missed.complete ? missed.events : [resync, ...missed.events];
  }

  private beat(): void {
    for (const stream of [...this.streams]) {
      const blocked = stream.client.isBlocked;
      stream.stalledHeartbeats = blocked ? stream.stalledHeartbeats + 1 : 0;
      if (stream.stalledHeartbeats > this.options.stalledHeartbeatsMax) stream.client.drop();
      else stream.client.send(HEARTBEAT_FRAME);
    }
  }
}

function parseHistory(text: string | null): number | undefined {
  if (text === null || text === '') return 0;
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const count = Number(text);
  return count <= 10_000 ? count : undefined;
}
