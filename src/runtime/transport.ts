/**
 * What the runtime needs from a network: datagrams out and in, packets over
 * a reliable stream out and in, one-shot state exchanges, and close. The
 * runtime encodes, decodes and counts; a transport only moves bytes, so a
 * sealing layer, a compressed or in-memory network plugs in here without
 * touching the runtime. `SocketTransport` (UDP + TCP on one port) is the
 * real one, `MemoryNetwork` the one tests wire runtimes together with.
 */
import type { DropReasonOf } from '../core/drops.js';

/** The answer to a state request, or undefined to hang up. */
export type StateAnswer = Uint8Array | undefined;

/** Where a transport delivers what arrives. Set once, before any traffic. */
export interface TransportReceiver {
  /** A datagram from `from` ("host:port"). */
  onDatagram(bytes: Uint8Array, from: string): void;
  /** A packet over a stream; an answer sent to `from` goes back the same way. */
  onStreamPacket(bytes: Uint8Array, from: string): void;
  /**
   * A peer opened a state exchange with `request`: the answer, or undefined
   * to hang up; a promise of either when the answer takes steps (a large state).
   */
  onStateRequest(request: Uint8Array, from: string): StateAnswer | Promise<StateAnswer>;
  /**
   * A state frame of `totalBytes` is arriving and these are its first bytes
   * (stateHeadBytes of them, or all of a shorter one): false to refuse it
   * before the rest is read. Optional; the receiver counts its refusals.
   */
  onStateHead?(prefix: Uint8Array, totalBytes: number): boolean;
  /** How many first bytes onStateHead wants. */
  readonly stateHeadBytes?: number;
  /** The transport refused or lost something; counted by reason. */
  onDrop(reason: DropReasonOf<'transport'>): void;
  /** Stream bytes read and written, frames included, for the traffic counters. */
  onStreamBytes(inBytes: number, outBytes: number): void;
}

export interface Transport {
  /** The "host:port" this transport receives on. */
  readonly localAddress: string;
  /** Starts delivering to `receiver`. */
  open(receiver: TransportReceiver): void;
  /** Sends one datagram; false when it could not be handed on (the reason went to onDrop). */
  sendDatagram(to: string, bytes: Uint8Array): boolean;
  /** Sends one packet over a stream: back on a connection `to` opened, else on a new one. */
  sendStreamPacket(to: string, bytes: Uint8Array): void;
  /**
   * Sends `request` to `to` on a fresh stream and resolves with the answer.
   * Rejects with a TransportError whose `reason` says why.
   */
  exchangeState(to: string, request: Uint8Array): Promise<Uint8Array>;
  /** Stops sending and delivering at once; resolves when every resource is released. */
  close(): Promise<void>;
}
