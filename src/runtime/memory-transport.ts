/**
 * Transports that talk through process memory instead of sockets, so that
 * runtimes can be wired together in tests without ports, and a fault (a
 * node cut off) is one call. As with sockets, nothing is delivered within
 * the call that sends it: every delivery waits for a later turn of the event
 * loop, in the order sent. Bytes are copied on send, so a sender may reuse
 * its buffer.
 */
import { TransportError } from './errors.js';
import type { StateAnswer, Transport, TransportReceiver } from './transport.js';

export class MemoryNetwork {
  private readonly transports = new Map<string, MemoryTransport>();
  private readonly isolated = new Set<string>();
  private readonly queue: Array<() => void> = [];
  private draining = false;

  /** A transport receiving on `address`; each address has one at a time. */
  transport(address: string): MemoryTransport {
    if (this.transports.has(address)) throw new RangeError(`${address} is taken`);
    const transport = new MemoryTransport(this, address);
    this.transports.set(address, transport);
    return transport;
  }

  /**
   * Cuts `address` off (or reconnects it): its datagrams in both directions
   * are lost and its streams fail with 'unreachable', as behind a dead link.
   */
  isolate(address: string, isolated = true): void {
    if (isolated) this.isolated.add(address);
    else this.isolated.delete(address);
  }

  /** @internal The open transport at `address`, when traffic between it and `from` can flow. */
  reachable(from: string, address: string): MemoryTransport | undefined {
    if (this.isolated.has(from) || this.isolated.has(address)) return undefined;
    return this.transports.get(address);
  }

  /** @internal Whether anything listens on `address` at all. */
  bound(address: string): boolean {
    return this.transports.has(address);
  }

  /** @internal */
  release(transport: MemoryTransport): void {
    if (this.transports.get(transport.localAddress) === transport) {
      this.transports.delete(transport.localAddress);
    }
  }

  /** @internal Runs `delivery` on a later turn, after everything queued before it. */
  later(delivery: () => void): void {
    this.queue.push(delivery);
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    // Deliveries queued while draining wait for the next turn, as a socket's would.
    const batch = this.queue.splice(0, this.queue.length);
    for (const delivery of batch) delivery();
    if (this.queue.length > 0) setImmediate(() => this.drain());
    else this.draining = false;
  }
}

export class MemoryTransport implements Transport {
  private receiver: TransportReceiver | undefined;
  private closed = false;

  constructor(
    private readonly network: MemoryNetwork,
    readonly localAddress: string,
  ) {}

  open(receiver: TransportReceiver): void {
    if (!this.closed) this.receiver = receiver;
  }

  sendDatagram(to: string, bytes: Uint8Array): boolean {
    if (this.closed) return false;
    const copy = bytes.slice();
    const from = this.localAddress;
    // Like UDP: the send succeeds whether or not anyone is there to hear it.
    this.network.later(() => this.network.reachable(from, to)?.receiver?.onDatagram(copy, from));
    return true;
  }

  sendStreamPacket(to: string, bytes: Uint8Array): void {
    if (this.closed) return;
    const copy = bytes.slice();
    const from = this.localAddress;
    this.receiver?.onStreamBytes(0, copy.length);
    this.network.later(() => {
      // A connection that cannot be made loses the packet: the prober's timeout notices.
      const target = this.network.reachable(from, to)?.receiver;
      if (target === undefined) return;
      target.onStreamBytes(copy.length, 0);
      target.onStreamPacket(copy, from);
    });
  }

  exchangeState(to: string, request: Uint8Array): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new TransportError('closed'));
    const copy = request.slice();
    const from = this.localAddress;
    this.receiver?.onStreamBytes(0, copy.length);
    return new Promise((resolve, reject) => {
      this.network.later(() => {
        const target = this.network.reachable(from, to);
        if (target === undefined || target.receiver === undefined) {
          const reason = this.network.bound(to) ? 'unreachable' : 'ECONNREFUSED';
          reject(new TransportError(reason, `cannot reach ${to}`));
          return;
        }
        target.receiver.onStreamBytes(copy.length, 0);
        const reply = (answer: StateAnswer) => {
          if (answer === undefined) {
            reject(new TransportError('closed', 'connection closed before an answer'));
            return;
          }
          const bytes = answer.slice();
          target.receiver?.onStreamBytes(0, bytes.length);
          this.network.later(() => {
            if (this.closed) {
              reject(new TransportError('closed'));
              return;
            }
            this.receiver?.onStreamBytes(bytes.length, 0);
            resolve(bytes);
          });
        };
        const answer = target.receiver.onStateRequest(copy, from);
        if (answer instanceof Promise) answer.then(reply, reject);
        else reply(answer);
      });
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.receiver = undefined;
      this.network.release(this);
    }
    return Promise.resolve();
  }
}
