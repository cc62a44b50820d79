/**
 * The reliable TCP path, on the same port number as UDP. Two uses:
 *
 * - Full-state sync (push-pull): the dialer sends one state frame, the
 *   listener answers with one state frame, both close.
 * - Stream probes and their answers: packet frames. The listener remembers
 *   each inbound connection under its remote "ip:port" so an answer addressed
 *   there goes back on the same connection (works through NAT and one-way
 *   firewalls); any other destination is dialed.
 *
 * Everything is bounded: frame bytes (checked before buffering), concurrent
 * syncs, concurrent stream connections, and an absolute deadline per
 * connection so a slow or silent peer cannot hold resources.
 */
import { connect, type Server, type Socket } from 'node:net';
import { type MsgpackWireFormat, msgpackWireFormat } from '../codec/wire-format.js';
import { formatAddress, parseAddress } from '../core/address.js';
import type { ProtocolConfig } from '../core/config.js';
import type { DropReasonOf } from '../core/drops.js';
import { syncTimeoutMs } from '../core/formulas.js';
import { TransportError } from './errors.js';
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  type Frame,
  FrameDecoder,
  FrameKind,
  frameHeader,
} from './framing.js';
import type { Logger } from './logger.js';
import type { StateAnswer } from './transport.js';

/** Limits of the TCP path, all enforced before trusting anything a peer declares. */
export interface TransportLimits {
  /**
   * Largest encoded full state accepted from (or sent to) a peer. Default:
   * the largest state membersMax valid members can make (every row at its
   * largest, see MsgpackWireFormat.stateBytesMax), at most 1 GiB; about 26 MB
   * for the 20,000 members and 512 metadata bytes of the presets. A frame
   * that declares more is refused from its 5-byte header, unread.
   */
  readonly stateBytesMax: number;
  /** Full-state exchanges at once, inbound and outbound each; extra inbound ones wait their turn. Default 8. */
  readonly syncsMax: number;
  /** Stream-probe connections at once, inbound and outbound each. Default 32. */
  readonly streamsMax: number;
  /** Deadline of a whole state exchange, connect and queueing included. Default max(1 s, 5 probe intervals). */
  readonly syncTimeoutMs: number;
  /** Lifetime of a stream-probe connection. Default max(500 ms, 2 probe intervals). */
  readonly streamTimeoutMs: number;
  /**
   * Inbound connections open at once from one source IP; more are refused
   * at once ('source-limit'). One address cannot take the whole connection
   * budget (4 x (syncsMax + streamsMax)), yet several nodes behind one
   * address (a NAT, one test host) can still sync together. Default 16.
   */
  readonly connectionsPerSourceMax: number;
  /**
   * Inbound syncs read at once from one source IP; more wait their turn, so
   * one address cannot hold every reading slot (nor buffer syncsMax states).
   * Default 2.
   */
  readonly syncsPerSourceMax: number;
  /**
   * Time an inbound connection has to send its first byte before it is
   * closed ('first-byte-timeout'). A peer writes its frame as soon as it is
   * connected; a silent connection holds no reading slot meanwhile, so it
   * cannot delay a real sync either. Default max(250 ms, probeTimeoutMs).
   */
  readonly firstByteTimeoutMs: number;
}

/** The ceiling of the derived stateBytesMax (and of a configured one, node/options.ts). */
export const STATE_BYTES_MAX_CEILING = 1 << 30;

/** Defaults for the TCP path; the timeouts follow the probe interval, the state bound the table size. */
export function defaultTransportLimits(
  config: Pick<ProtocolConfig, 'probeIntervalMs' | 'probeTimeoutMs' | 'membersMax' | 'metadataBytesMax'>,
  wire: Pick<MsgpackWireFormat, 'stateBytesMax'> = msgpackWireFormat,
): TransportLimits {
  return {
    stateBytesMax: Math.min(
      STATE_BYTES_MAX_CEILING,
      wire.stateBytesMax(config.membersMax, config.metadataBytesMax),
    ),
    syncsMax: 8,
    streamsMax: 32,
    syncTimeoutMs: syncTimeoutMs(config.probeIntervalMs),
    streamTimeoutMs: Math.max(500, 2 * config.probeIntervalMs),
    connectionsPerSourceMax: 16,
    syncsPerSourceMax: 2,
    firstByteTimeoutMs: Math.max(250, config.probeTimeoutMs),
  };
}

export interface StreamLimits extends TransportLimits {
  /** Largest packet frame accepted or sent (the protocol's packetBytesMax). */
  readonly packetBytesMax: number;
}

export interface StreamHandlers {
  /** A remote asks for a sync: return the answer bytes (or a promise of them), or undefined to hang up. */
  onStateRequest(payload: Uint8Array, remote: string): StateAnswer | Promise<StateAnswer>;
  /** A packet arrived; answers to `from` (same string) go back the same way. */
  onPacket(payload: Uint8Array, from: string): void;
  /** A connection or frame was refused: counted by reason. */
  onDrop(reason: DropReasonOf<'transport'>): void;
  onBytes(inBytes: number, outBytes: number): void;
  /** A state frame of `totalBytes` begins with `prefix`: false refuses it unread (TransportReceiver.onStateHead). */
  onStateHead?(prefix: Uint8Array, totalBytes: number): boolean;
  /** First bytes onStateHead wants; 0 or absent: states are read whole. */
  readonly stateHeadBytes?: number;
}

/** "::ffff:1.2.3.4" (IPv4 seen through a dual-stack socket) becomes "1.2.3.4". */
export function normalizeHost(host: string): string {
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}

function remoteKey(socket: Socket): string | undefined {
  if (socket.remoteAddress === undefined || socket.remotePort === undefined) return undefined;
  return formatAddress(normalizeHost(socket.remoteAddress), socket.remotePort);
}

/** A connection that sent its first bytes while every reading slot it may use was taken. */
interface Waiting {
  readonly source: string;
  readonly admit: () => void;
}

/** Counts by key, forgetting keys that fall back to 0 so the map holds only live sources. */
class Counts {
  private readonly counts = new Map<string, number>();

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  add(key: string, delta: number): void {
    const next = this.get(key) + delta;
    if (next <= 0) this.counts.delete(key);
    else this.counts.set(key, next);
  }
}

interface Tracked {
  readonly socket: Socket;
  readonly timer: NodeJS.Timeout;
}

export class StreamTransport {
  private readonly limits: StreamLimits;
  private readonly handlers: StreamHandlers;
  private readonly logger: Logger;
  private readonly sockets = new Map<Socket, Tracked>();
  /** Inbound packet connections by remote "ip:port". */
  private readonly inbound = new Map<string, Socket>();
  /** Outbound packet connections by destination address. */
  private readonly outbound = new Map<string, Socket>();
  /** Inbound connections admitted to read (see accept), in all and by source host. */
  private readingSlots = 0;
  private readonly readingBySource = new Counts();
  /** Inbound connections that have not sent a byte yet, oldest first. */
  private readonly silent = new Set<Socket>();
  /** Inbound connections open, by source host. */
  private readonly connectionsBySource = new Counts();
  private readonly waiting: Waiting[] = [];
  private outboundSyncs = 0;
  /** Destinations with an outbound sync in flight: one at a time per peer. */
  private readonly syncingWith = new Set<string>();
  private inboundStreams = 0;
  private closed = false;

  constructor(server: Server, limits: StreamLimits, handlers: StreamHandlers, logger: Logger) {
    this.limits = limits;
    this.handlers = handlers;
    this.logger = logger;
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (error) => {
      this.handlers.onDrop('stream-error');
      this.logger.warn({ err: error }, 'TCP listener error');
    });
  }

  get activeConnections(): number {
    return this.sockets.size;
  }

  /** Dials `to`, sends `request` as a state frame and resolves with the answer's payload. */
  exchangeState(to: string, request: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new TransportError('closed'));
        return;
      }
      const target = parseAddress(to);
      if (target === undefined) {
        reject(new TransportError('bad-address', `bad address ${to}`));
        return;
      }
      if (this.outboundSyncs >= this.limits.syncsMax) {
        this.handlers.onDrop('sync-limit');
        reject(new TransportError('sync-limit', 'too many concurrent syncs'));
        return;
      }
      if (this.syncingWith.has(to)) {
        this.handlers.onDrop('sync-busy');
        reject(new TransportError('sync-busy', `a sync with ${to} is already in flight`));
        return;
      }
      if (request.length > this.limits.stateBytesMax) {
        reject(new TransportError('frame-too-large', 'local state exceeds the frame limit'));
        return;
      }
      this.outboundSyncs++;
      this.syncingWith.add(to);
      let settled = false;
      const socket = connect({ host: target.host, port: target.port, noDelay: true });
      const finish = (error: TransportError | undefined, payload?: Uint8Array) => {
        if (settled) return;
        settled = true;
        this.outboundSyncs--;
        this.syncingWith.delete(to);
        socket.destroy();
        if (error !== undefined) reject(error);
        else resolve(payload as Uint8Array);
      };
      this.track(socket, this.limits.syncTimeoutMs, () =>
        finish(new TransportError('timeout', 'sync timed out')),
      );
      const decoder = new FrameDecoder({ packet: -1, state: this.limits.stateBytesMax });
      socket.on('connect', () => {
        this.handlers.onBytes(0, FRAME_HEADER_BYTES + request.length);
        socket.write(frameHeader(FrameKind.state, request.length));
        socket.write(request);
      });
      const head = this.headCheck(decoder);
      socket.on('data', (chunk: Buffer) => {
        this.handlers.onBytes(chunk.length, 0);
        const { frames, error } = decoder.push(chunk);
        if (error !== undefined) {
          this.handlers.onDrop(error);
          finish(new TransportError(error));
          return;
        }
        if (!head()) {
          finish(new TransportError('refused', 'the answer is not a state this node accepts'));
          return;
        }
        const answer = frames[0];
        if (answer === undefined) return;
        if (answer.kind !== FrameKind.state) {
          this.handlers.onDrop('frame-kind');
          finish(new TransportError('frame-kind', 'answer is not a state'));
          return;
        }
        finish(undefined, answer.payload);
      });
      socket.on('error', (error: NodeJS.ErrnoException) =>
        finish(new TransportError(error.code ?? 'error', `${error.code ?? ''} ${error.message}`.trim())),
      );
      socket.on('close', () => finish(new TransportError('closed', 'connection closed before an answer')));
    });
  }

  /** Sends a packet frame to `to`: on the inbound connection it came from, else on a dialed one. */
  sendPacket(to: string, payload: Uint8Array): void {
    if (this.closed) return;
    if (payload.length > this.limits.packetBytesMax) {
      this.handlers.onDrop('frame-too-large');
      return;
    }
    const frame = encodeFrame(FrameKind.packet, payload);
    const open = this.inbound.get(to) ?? this.outbound.get(to);
    if (open?.writable) {
      this.handlers.onBytes(0, frame.length);
      open.write(frame);
      return;
    }
    const target = parseAddress(to);
    if (target === undefined) {
      this.handlers.onDrop('bad-address');
      return;
    }
    if (this.outbound.size >= this.limits.streamsMax) {
      this.handlers.onDrop('stream-limit');
      return;
    }
    const socket = connect({ host: target.host, port: target.port, noDelay: true });
    this.outbound.set(to, socket);
    this.track(socket, this.limits.streamTimeoutMs, () => socket.destroy());
    this.readPackets(socket, to);
    socket.on('close', () => {
      if (this.outbound.get(to) === socket) this.outbound.delete(to);
    });
    this.handlers.onBytes(0, frame.length);
    socket.write(frame);
  }

  /** Destroys every connection and stops accepting; the listener itself is closed by the owner. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { socket, timer } of this.sockets.values()) {
      clearTimeout(timer);
      socket.destroy();
    }
    this.sockets.clear();
    this.waiting.length = 0;
    this.silent.clear();
    this.syncingWith.clear();
    this.inbound.clear();
    this.outbound.clear();
  }

  private track(socket: Socket, deadlineMs: number, onDeadline: () => void): void {
    const timer = setTimeout(onDeadline, deadlineMs);
    this.sockets.set(socket, { socket, timer });
    socket.on('close', () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.logger.debug({ err: error, remote: socket.remoteAddress }, 'TCP connection error');
    });
  }

  /**
   * Inbound connections are read from their first byte, which must come
   * within firstByteTimeoutMs. From that byte until their first frame
   * (stream probes) or until they close (syncs) they hold a reading slot:
   * at most `syncsMax` in all and `syncsPerSourceMax` per source host.
   * Connections that find no slot are paused with their first chunk (the
   * kernel holds the rest) until one frees or their deadline passes, so a
   * join storm through one seed queues instead of failing, and silent or
   * slow sockets from one address cannot keep real syncs waiting.
   */
  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const from = remoteKey(socket);
    if (from === undefined) {
      socket.destroy();
      return;
    }
    const source = normalizeHost(socket.remoteAddress as string);
    if (this.sockets.size >= 4 * (this.limits.syncsMax + this.limits.streamsMax)) {
      // Full: the oldest connection that has not sent a byte makes room; silence cannot fill the budget.
      const oldestSilent = this.silent.values().next();
      this.handlers.onDrop('connection-limit');
      if (oldestSilent.done === true) {
        socket.destroy();
        return;
      }
      this.silent.delete(oldestSilent.value);
      oldestSilent.value.destroy();
    }
    if (this.connectionsBySource.get(source) >= this.limits.connectionsPerSourceMax) {
      this.handlers.onDrop('source-limit');
      socket.destroy();
      return;
    }
    this.connectionsBySource.add(source, 1);
    socket.setNoDelay(true);
    let role: 'unknown' | 'sync' | 'stream' = 'unknown';
    let holdsSlot = false;
    const release = () => {
      if (!holdsSlot) return;
      holdsSlot = false;
      this.readingSlots--;
      this.readingBySource.add(source, -1);
      this.admitWaiting();
    };
    let waiting: Waiting | undefined;
    const admit = (first: Buffer) => {
      if (socket.destroyed || this.closed) return;
      holdsSlot = true;
      this.readingSlots++;
      this.readingBySource.add(source, 1);
      this.read(socket, from, first, {
        onRole: (chosen) => {
          role = chosen;
          if (chosen === 'stream') release();
        },
      });
    };
    this.track(socket, Math.max(this.limits.syncTimeoutMs, this.limits.streamTimeoutMs), () => {
      // A stream-probe connection simply ends its life here; anything else never finished.
      if (this.silent.has(socket)) this.handlers.onDrop('first-byte-timeout');
      else if (role !== 'stream') this.handlers.onDrop('sync-timeout');
      socket.destroy();
    });
    this.silent.add(socket);
    const silence = setTimeout(() => {
      this.handlers.onDrop('first-byte-timeout');
      socket.destroy();
    }, this.limits.firstByteTimeoutMs);
    socket.once('data', (first: Buffer) => {
      clearTimeout(silence);
      this.silent.delete(socket);
      socket.pause();
      this.handlers.onBytes(first.length, 0);
      if (this.hasSlotFor(source)) admit(first);
      else {
        waiting = { source, admit: () => admit(first) };
        this.waiting.push(waiting);
      }
    });
    socket.on('close', () => {
      clearTimeout(silence);
      this.silent.delete(socket);
      this.connectionsBySource.add(source, -1);
      const queued = waiting === undefined ? -1 : this.waiting.indexOf(waiting);
      if (queued >= 0) this.waiting.splice(queued, 1);
      release();
      if (role === 'stream') {
        this.inboundStreams--;
        if (this.inbound.get(from) === socket) this.inbound.delete(from);
      }
    });
  }

  private hasSlotFor(source: string): boolean {
    return (
      this.readingSlots < this.limits.syncsMax &&
      this.readingBySource.get(source) < this.limits.syncsPerSourceMax
    );
  }

  /** Admits waiting connections, oldest first, whose source has room. */
  private admitWaiting(): void {
    for (let i = 0; i < this.waiting.length && this.readingSlots < this.limits.syncsMax; ) {
      const next = this.waiting[i] as Waiting;
      if (!this.hasSlotFor(next.source)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      next.admit();
    }
  }

  /** Reads an admitted inbound connection: a sync request, or stream packets. */
  private read(
    socket: Socket,
    from: string,
    first: Buffer,
    hooks: { onRole(role: 'sync' | 'stream'): void },
  ): void {
    const decoder = new FrameDecoder({
      packet: this.limits.packetBytesMax,
      state: this.limits.stateBytesMax,
    });
    let role: 'unknown' | 'sync' | 'stream' = 'unknown';
    const onFrames = (frames: Frame[]) => {
      for (const frame of frames) {
        if (role === 'unknown') {
          if (frame.kind === FrameKind.state) {
            role = 'sync';
          } else {
            if (this.inboundStreams >= this.limits.streamsMax) {
              this.handlers.onDrop('stream-limit');
              socket.destroy();
              return;
            }
            role = 'stream';
            this.inboundStreams++;
            this.inbound.set(from, socket);
            decoder.restrict({ packet: this.limits.packetBytesMax, state: -1 });
          }
          hooks.onRole(role);
        }
        if (role === 'sync') {
          // One request, one answer: anything after the first frame is ignored.
          socket.removeAllListeners('data');
          socket.on('data', () => {}); // keep reading so the peer's close is seen
          const answer =
            frame.kind === FrameKind.state ? this.handlers.onStateRequest(frame.payload, from) : undefined;
          if (answer instanceof Promise)
            answer.then(
              (bytes) => this.reply(socket, bytes),
              () => socket.destroy(),
            );
          else this.reply(socket, answer);
          return;
        }
        if (frame.kind !== FrameKind.packet) {
          this.handlers.onDrop('frame-kind');
          socket.destroy();
          return;
        }
        this.handlers.onPacket(frame.payload, from);
      }
    };
    const head = this.headCheck(decoder);
    const onChunk = (chunk: Buffer) => {
      const { frames, error } = decoder.push(chunk);
      if (role !== 'stream' && !head()) {
        socket.destroy();
        return;
      }
      onFrames(frames);
      if (error !== undefined && !socket.destroyed) {
        this.handlers.onDrop(error);
        socket.destroy();
      }
    };
    socket.on('data', (chunk: Buffer) => {
      this.handlers.onBytes(chunk.length, 0);
      onChunk(chunk);
    });
    onChunk(first);
    if (!socket.destroyed) socket.resume();
  }

  /**
   * A check for the state frame a decoder is receiving, run once its first
   * stateHeadBytes are in: false when the receiver refuses it, so the rest
   * (up to stateBytesMax) is never buffered. Complete frames are left to
   * the full decode, which makes the same checks.
   */
  private headCheck(decoder: FrameDecoder): () => boolean {
    const wanted = this.handlers.stateHeadBytes ?? 0;
    let done = wanted <= 0 || this.handlers.onStateHead === undefined;
    return () => {
      if (done) return true;
      const pending = decoder.pendingFrame(wanted);
      if (pending === undefined || pending.kind !== FrameKind.state) return true;
      if (pending.prefix.length < Math.min(wanted, pending.length)) return true;
      done = true;
      return this.handlers.onStateHead?.(pending.prefix, pending.length) ?? true;
    };
  }

  /** Sends a sync's answer and closes; hangs up instead when there is none or the peer is gone. */
  private reply(socket: Socket, answer: StateAnswer): void {
    if (answer === undefined || answer.length > this.limits.stateBytesMax || socket.destroyed) {
      socket.destroy();
      return;
    }
    this.handlers.onBytes(0, FRAME_HEADER_BYTES + answer.length);
    socket.write(frameHeader(FrameKind.state, answer.length));
    socket.end(answer);
  }

  private readPackets(socket: Socket, from: string): void {
    const decoder = new FrameDecoder({ packet: this.limits.packetBytesMax, state: -1 });
    socket.on('data', (chunk: Buffer) => {
      this.handlers.onBytes(chunk.length, 0);
      const { frames, error } = decoder.push(chunk);
      for (const frame of frames) {
        if (frame.kind !== FrameKind.packet) {
          this.handlers.onDrop('frame-kind');
          socket.destroy();
          return;
        }
        this.handlers.onPacket(frame.payload, from);
      }
      if (error !== undefined) {
        this.handlers.onDrop(error);
        socket.destroy();
      }
    });
  }
}
