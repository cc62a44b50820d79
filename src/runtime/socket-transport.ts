/**
 * The real transport: a UDP socket for datagrams and a TCP listener for
 * streams, bound to one port number by bind.ts.
 */
import { formatAddress } from '../core/address.js';
import { type BoundSockets, closeSockets } from './bind.js';
import { TransportError } from './errors.js';
import type { Logger } from './logger.js';
import { type StreamLimits, StreamTransport } from './stream.js';
import type { Transport, TransportReceiver } from './transport.js';
import { DatagramTransport } from './udp.js';

/** Longest wait on close for datagrams already sent to leave the socket. */
const DRAIN_TIMEOUT_MS = 1000;

export class SocketTransport implements Transport {
  readonly localAddress: string;
  private udp: DatagramTransport | undefined;
  private stream: StreamTransport | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly sockets: BoundSockets,
    private readonly limits: StreamLimits,
    private readonly logger: Logger,
  ) {
    this.localAddress = formatAddress(sockets.host, sockets.port);
  }

  open(receiver: TransportReceiver): void {
    if (this.udp !== undefined || this.closing !== undefined) return;
    const { sockets, logger } = this;
    this.udp = new DatagramTransport(
      sockets.udp,
      sockets.family,
      {
        onPacket: (bytes, from) => receiver.onDatagram(bytes, from),
        onDrop: (reason) => receiver.onDrop(reason),
      },
      logger,
    );
    this.stream = new StreamTransport(
      sockets.tcp,
      this.limits,
      {
        onStateRequest: (request, from) => receiver.onStateRequest(request, from),
        onPacket: (bytes, from) => receiver.onStreamPacket(bytes, from),
        onDrop: (reason) => receiver.onDrop(reason),
        onBytes: (inBytes, outBytes) => receiver.onStreamBytes(inBytes, outBytes),
        onStateHead: (prefix, totalBytes) => receiver.onStateHead?.(prefix, totalBytes) ?? true,
        stateHeadBytes: receiver.stateHeadBytes ?? 0,
      },
      logger,
    );
  }

  sendDatagram(to: string, bytes: Uint8Array): boolean {
    return this.udp?.send(to, bytes) ?? false;
  }

  sendStreamPacket(to: string, bytes: Uint8Array): void {
    this.stream?.sendPacket(to, bytes);
  }

  exchangeState(to: string, request: Uint8Array): Promise<Uint8Array> {
    const stream = this.stream;
    if (stream === undefined) return Promise.reject(new TransportError('closed'));
    return stream.exchangeState(to, request);
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.stream?.close();
      this.udp?.close();
      const drained = this.udp?.drain(DRAIN_TIMEOUT_MS) ?? Promise.resolve();
      this.closing = drained.then(() => closeSockets(this.sockets));
    }
    return this.closing;
  }
}
