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
import { formatAddress, parseAddress } from '../core/address.js';
import { type MsgpackWireFormat, msgpackWireFormat } from '../codec/wire-format.js';
import type { ProtocolConfig } from '../core/config.js';
import type { DropReasonOf } from '../core/drops.js';
import { syncTimeoutMs } from '../core/formulas.js';
import { TransportError } from './errors.js';
import { encodeFrame, type Frame, FrameDecoder, FrameKind } from './framing.js';
import type { Logger } from './logger.js';

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
}

/** The ceiling of the derived stateBytesMax (and of a configured one, node/options.ts). */
export const STATE_BYTES_MAX_CEILING = 1 << 30;

/** Defaults for the TCP path; the timeouts follow the probe interval, the state bound the table size. */
export function defaultTransportLimits(
  config: Pick<ProtocolConfig, 'probeIntervalMs' | 'membersMax' | 'metadataBytesMax'>,
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
  };
}

export interface StreamLimits extends TransportLimits {
  /** Largest packet frame accepted or sent (the protocol's packetBytesMax). */
  readonly packetBytesMax: number;
}

export interface StreamHandlers {
  /** A remote asks for a sync: return the answer bytes, or undefined to hang up. */
  onStateRequest(payload: Uint8Array, remote: string): Uint8Array | undefined;
  /** A packet arrived; answers to `from` (same string) go back the same way. */
  onPacket(payload: Uint8Array, from: string): void;
  /** A connection or frame was refused: counted by reason. */
  onDrop(reason: DropReasonOf<'transport'>): void;
  onBytes(inBytes: number, outBytes: number): void;
}

/** "::ffff:1.2.3.4" (IPv4 seen through a dual-stack socket) becomes "1.2.3.4". */
export function normalizeHost(host: string): string {
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}

function remoteKey(socket: Socket): string | undefined {
  if (socket.remoteAddress === undefined || socket.remotePort === undefined) return undefined;
  return formatAddress(normalizeHost(socket.remoteAddress), socket.remotePort);
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
  /** Inbound connections admitted to read (see accept). */
  private readingSlots = 0;
  private readonly waiting: (() => boolean)[] = [];
  private outboundSyncs = 0;
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
      if (request.length > this.limits.stateBytesMax) {
        reject(new TransportError('frame-too-large', 'local state exceeds the frame limit'));
        return;
      }
      this.outboundSyncs++;
      let settled = false;
      const socket = connect({ host: target.host, port: target.port, noDelay: true });
      const finish = (error: TransportError | undefined, payload?: Uint8Array) => {
        if (settled) return;
        settled = true;
        this.outboundSyncs--;
        socket.destroy();
        if (error !== undefined) reject(error);
        else resolve(payload as Uint8Array);
      };
      this.track(socket, this.limits.syncTimeoutMs, () =>
        finish(new TransportError('timeout', 'sync timed out')),
      );
      const decoder = new FrameDecoder({ packet: -1, state: this.limits.stateBytesMax });
      socket.on('connect', () => {
        const frame = encodeFrame(FrameKind.state, request);
        this.handlers.onBytes(0, frame.length);
        socket.write(frame);
      });
      socket.on('data', (chunk: Buffer) => {
        this.handlers.onBytes(chunk.length, 0);
        const { frames, error } = decoder.push(chunk);
        if (error !== undefined) {
          this.handlers.onDrop(error);
          finish(new TransportError(error));
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
   * Inbound connections hold a reading slot from admission until their first
   * frame (stream probes) or until they close (syncs). At most `syncsMax`
   * slots are taken; later connections wait unread (the kernel holds their
   * bytes, this process holds nothing) until a slot frees or their deadline
   * passes. A join storm through one seed thus queues instead of failing.
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
    if (this.sockets.size >= 4 * (this.limits.syncsMax + this.limits.streamsMax)) {
      this.handlers.onDrop('connection-limit');
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    let role: 'unknown' | 'sync' | 'stream' = 'unknown';
    let holdsSlot = false;
    const release = () => {
      if (!holdsSlot) return;
      holdsSlot = false;
      this.readingSlots--;
      this.admitWaiting();
    };
    const admit = (): boolean => {
      if (socket.destroyed || this.closed) return false;
      holdsSlot = true;
      this.readingSlots++;
      this.read(socket, from, {
        onRole: (chosen) => {
          role = chosen;
          if (chosen === 'stream') release();
        },
      });
      return true;
    };
    this.track(socket, Math.max(this.limits.syncTimeoutMs, this.limits.streamTimeoutMs), () =>
      socket.destroy(),
    );
    socket.on('close', () => {
      const queued = this.waiting.indexOf(admit);
      if (queued >= 0) this.waiting.splice(queued, 1);
      release();
      if (role === 'stream') {
        this.inboundStreams--;
        if (this.inbound.get(from) === socket) this.inbound.delete(from);
      }
    });
    if (this.readingSlots < this.limits.syncsMax) admit();
    else this.waiting.push(admit);
  }

  private admitWaiting(): void {
    while (this.readingSlots < this.limits.syncsMax && this.waiting.length > 0) {
      (this.waiting.shift() as () => boolean)();
    }
  }

  /** Reads an admitted inbound connection: a sync request, or stream packets. */
  private read(socket: Socket, from: string, hooks: { onRole(role: 'sync' | 'stream'): void }): void {
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
          if (answer === undefined || answer.length > this.limits.stateBytesMax || socket.destroyed) {
            socket.destroy();
            return;
          }
          const reply = encodeFrame(FrameKind.state, answer);
          this.handlers.onBytes(0, reply.length);
          socket.end(reply);
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
    socket.on('data', (chunk: Buffer) => {
      this.handlers.onBytes(chunk.length, 0);
      const { frames, error } = decoder.push(chunk);
      onFrames(frames);
      if (error !== undefined && !socket.destroyed) {
        this.handlers.onDrop(error);
        socket.destroy();
      }
    });
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
