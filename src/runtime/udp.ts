/**
 * The datagram path: one node:dgram socket (udp4 or udp6, by the bind host).
 * Send failures and socket errors are counted and logged, never thrown.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { formatAddress, parseAddress } from '../core/address.js';
import type { DropReasonOf } from '../core/drops.js';
import type { Logger } from './logger.js';
import { normalizeHost } from './stream.js';

export interface DatagramHandlers {
  onPacket(bytes: Buffer, from: string): void;
  onDrop(reason: DropReasonOf<'transport'>): void;
}

interface SendTarget {
  readonly host: string;
  readonly port: number;
}

export class DatagramTransport {
  private readonly socket: Socket;
  private readonly family: 4 | 6;
  private readonly handlers: DatagramHandlers;
  private readonly logger: Logger;
  private closed = false;
  /** Datagrams handed to dgram whose callback has not run yet. */
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private readonly onSent: (error: Error | null) => void;

  constructor(socket: Socket, family: 4 | 6, handlers: DatagramHandlers, logger: Logger) {
    this.socket = socket;
    this.family = family;
    this.handlers = handlers;
    this.logger = logger;
    this.onSent = (error) => {
      this.inFlight--;
      if (this.inFlight === 0) this.drained?.();
      if (error === null) return;
      this.handlers.onDrop('send-error');
      this.logger.debug({ err: error }, 'UDP send failed');
    };
    socket.on('message', (bytes: Buffer, rinfo: RemoteInfo) => {
      if (this.closed) return;
      this.handlers.onPacket(bytes, formatAddress(normalizeHost(rinfo.address), rinfo.port));
    });
    socket.on('error', (error) => {
      this.handlers.onDrop('socket-error');
      this.logger.warn({ err: error }, 'UDP socket error');
    });
  }

  /** Sends one datagram; returns false when it could not even be handed to the kernel. */
  send(to: string, bytes: Uint8Array): boolean {
    if (this.closed) return false;
    const target = this.resolveTarget(to);
    if (typeof target === 'string') {
      this.handlers.onDrop(target);
      return false;
    }
    this.inFlight++;
    try {
      this.socket.send(bytes, target.port, target.host, this.onSent);
      return true;
    } catch (error) {
      this.onSent(error as Error);
      return false;
    }
  }

  /**
   * Where `to` is sent (host as dgram wants it), or why it cannot be. Parsed
   * at every send: a cache of parsed addresses held a map entry and an
   * object per member for every node, a tenth of the live heap of 200
   * nodes in one process, to save well under a microsecond per datagram.
   */
  private resolveTarget(to: string): SendTarget | DropReasonOf<'transport'> {
    const parsed = parseAddress(to);
    if (parsed === undefined) return 'bad-address';
    const kind = isIP(parsed.host);
    if (kind === 6 && this.family === 4) return 'address-family';
    // A udp6 socket is dual-stack: reach IPv4 peers through mapped addresses.
    const host = kind === 4 && this.family === 6 ? `::ffff:${parsed.host}` : parsed.host;
    return { host, port: parsed.port };
  }

  /** Refuses further sends and input. */
  close(): void {
    this.closed = true;
  }

  /**
   * Resolves once every datagram already handed to dgram went out (dgram
   * resolves the destination asynchronously, and closing the socket first
   * would drop a graceful leave's last words), or after `timeoutMs`.
   */
  drain(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.drained = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.drained = done;
    });
  }
}
