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
import type { DropReasonOf } from '../core/drops.js';
import { TransportError } from './errors.js';
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  type Frame,
  FrameDecoder,
  FrameKind,
  frameHeader,
} from './framing.js';
import { InboundAdmission, type Waiting } from './inbound-admission.js';
import type { Logger } from './logger.js';
import type { StateAnswer } from './transport.js';
import type { StreamLimits } from './transport-limits.js';

export {
  defaultTransportLimits,
  STATE_BYTES_MAX_CEILING,
  type StreamLimits,
  type TransportLimits,
} from './transport-limits.js';

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
  private readonly admission: InboundAdmission;
  private outboundSyncs = 0;
  /** Destinations with an outbound sync in flight: one at a time per peer. */
  private readonly syncingWith = new Set<string>();
  private inboundStreams = 0;
  private closed = false;

  constructor(server: Server, limits: StreamLimits, handlers: StreamHandlers, logger: Logger) {
    this.limits = limits;
    this.admission = new InboundAdmission(limits);
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
    this.admission.clear();
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
   * within firstByteTimeoutMs; admission (inbound-admission.ts) decides
   * whether they may open and when they may be read. Connections that find
   * no reading slot are paused with their first chunk (the kernel holds the
   * rest) until one frees or their deadline passes, so a join storm through
   * one seed queues instead of failing, and silent or slow sockets from one
   * address cannot keep real syncs waiting.
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
    const refused = this.admission.open(socket, source, this.sockets.size, () =>
      this.handlers.onDrop('connection-limit'),
    );
    if (refused !== undefined) {
      this.handlers.onDrop(refused);
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    let role: 'unknown' | 'sync' | 'stream' = 'unknown';
    let holdsSlot = false;
    const release = () => {
      if (!holdsSlot) return;
      holdsSlot = false;
      this.admission.releaseSlot(source);
    };
    let waiting: Waiting | undefined;
    // Called with the slot already taken; a socket closed meanwhile gives it back on 'close'.
    const admit = (first: Buffer) => {
      holdsSlot = true;
      if (socket.destroyed || this.closed) return;
      this.read(socket, from, first, {
        onRole: (chosen) => {
          role = chosen;
          if (chosen === 'stream') release();
        },
      });
    };
    this.track(socket, Math.max(this.limits.syncTimeoutMs, this.limits.streamTimeoutMs), () => {
      // A stream-probe connection simply ends its life here; anything else never finished.
      if (this.admission.isSilent(socket)) this.handlers.onDrop('first-byte-timeout');
      else if (role !== 'stream') this.handlers.onDrop('sync-timeout');
      socket.destroy();
    });
    const silence = setTimeout(() => {
      this.handlers.onDrop('first-byte-timeout');
      socket.destroy();
    }, this.limits.firstByteTimeoutMs);
    socket.once('data', (first: Buffer) => {
      clearTimeout(silence);
      this.admission.spoke(socket);
      socket.pause();
      this.handlers.onBytes(first.length, 0);
      waiting = { source, admit: () => admit(first) };
      if (this.admission.takeSlot(source, waiting)) admit(first);
    });
    socket.on('close', () => {
      clearTimeout(silence);
      this.admission.closed(socket, source, waiting);
      release();
      if (role === 'stream') {
        this.inboundStreams--;
        if (this.inbound.get(from) === socket) this.inbound.delete(from);
      }
    });
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
