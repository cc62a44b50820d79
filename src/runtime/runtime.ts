/**
 * The real host of the protocol core: it owns the timer queue and the clock,
 * encodes what the core sends, decodes and validates what arrives through
 * its Transport, and counts everything. Core events are queued while the
 * core runs and handed to the owner once the core call has returned, so a
 * listener can call back into the node without re-entering the core mid-step.
 */
import { MsgpackCodec, type PacketCodec, type SyncDecodeResult } from '../codec/index.js';
import type { ProtocolConfig } from '../core/config.js';
import { MeshCore } from '../core/core.js';
import type { DropReasonName } from '../core/drops.js';
import type { Channel, CoreEvent, CoreHost } from '../core/host.js';
import type { Message, SyncRequest } from '../core/messages.js';
import type { Metadata, RandomSource } from '../core/types.js';
import { lifeIncarnation, monotonicMs } from './clock.js';
import { newRuntimeCounters, type RuntimeCounters } from './counters.js';
import type { Logger } from './logger.js';
import { PeerDropWarnings } from './peer-warnings.js';
import { cryptoSeededRandom } from './random.js';
import {
  decodeStateInSteps,
  decodeSyncRequestInSteps,
  encodeStateInSteps,
  type Stepped,
} from './state-steps.js';
import type { TransportLimits } from './stream.js';
import { TimerQueue } from './timers.js';
import type { StateAnswer, Transport } from './transport.js';

export { defaultTransportLimits, type TransportLimits } from './stream.js';

export interface SyncOutcome {
  readonly to: string;
  readonly join: boolean;
  readonly ok: boolean;
  /** Why it failed: a socket error code, 'timeout', a decode reason. */
  readonly reason?: string;
}

export interface RuntimeOptions {
  readonly id: string;
  readonly address: string;
  readonly threads: number;
  readonly metadata: Metadata;
  readonly incarnation?: number;
  /** The node will join through seeds: out of its own view until admitted (MeshCoreOptions.joining). */
  readonly joining?: boolean;
  readonly config: ProtocolConfig;
  /** The cluster label of the default codec. */
  readonly label: number;
  /** How messages become bytes; default the msgpack codec under `label` and the config's limits. */
  readonly codec?: PacketCodec;
  /** Moves the bytes; the runtime opens it and closes it with itself. */
  readonly transport: Transport;
  /** The largest full state the runtime decodes from a peer. */
  readonly limits: Pick<TransportLimits, 'stateBytesMax'>;
  readonly logger: Logger;
  readonly random?: RandomSource;
  readonly clock?: () => number;
  /** Core events, delivered after the core call that raised them returned. */
  readonly onEvent: (event: CoreEvent) => void;
  readonly onSync?: (outcome: SyncOutcome) => void;
}

export class Runtime implements CoreHost {
  readonly core: MeshCore;
  readonly counters: RuntimeCounters = newRuntimeCounters();
  private readonly options: RuntimeOptions;
  private readonly clock: () => number;
  private readonly timers: TimerQueue;
  private readonly transport: Transport;
  private readonly codec: PacketCodec;
  private readonly pending: CoreEvent[] = [];
  private pendingRead = 0;
  private readonly peerWarnings: PeerDropWarnings;
  private depth = 0;
  /** The time handed to the outermost core call in progress. */
  private entryNowMs = 0;
  private closing: Promise<void> | undefined;

  constructor(options: RuntimeOptions) {
    this.options = options;
    this.clock = options.clock ?? monotonicMs;
    this.peerWarnings = new PeerDropWarnings(options.logger, this.clock);
    const { config } = options;
    this.codec =
      options.codec ??
      new MsgpackCodec({
        label: options.label,
        packetLimits: {
          packetBytesMax: config.packetBytesMax,
          metadataBytesMax: config.metadataBytesMax,
          userEventPayloadBytesMax: config.userEventPayloadBytesMax,
        },
        stateLimits: {
          stateBytesMax: options.limits.stateBytesMax,
          membersMax: config.membersMax,
          metadataBytesMax: config.metadataBytesMax,
        },
      });
    this.timers = new TimerQueue(this.clock, (token, now) =>
      this.enter(() => this.core.handleTimer(token, now), now),
    );
    this.core = new MeshCore({
      id: options.id,
      address: options.address,
      threads: options.threads,
      metadata: options.metadata,
      incarnation: options.incarnation ?? lifeIncarnation(),
      joining: options.joining === true,
      config,
      wire: this.codec.format,
      random: options.random ?? cryptoSeededRandom(),
      host: this,
    });
    this.transport = options.transport;
    this.transport.open({
      onDatagram: (bytes, from) => {
        this.counters.packetsIn++;
        this.counters.bytesIn += bytes.length;
        this.receive(bytes, from, 'datagram');
      },
      onStreamPacket: (bytes, from) => {
        this.counters.streamPacketsIn++;
        this.receive(bytes, from, 'stream');
      },
      onStateRequest: (request, from) => this.serveSync(request, from),
      onStateHead: (prefix, totalBytes) => {
        const refused = this.codec.checkStateHead?.(prefix, totalBytes);
        if (refused !== undefined) this.drop(refused.reason);
        return refused === undefined;
      },
      ...(this.codec.stateHeadBytes !== undefined ? { stateHeadBytes: this.codec.stateHeadBytes } : {}),
      onDrop: (reason) => this.drop(reason),
      onStreamBytes: (inBytes, outBytes) => {
        this.counters.streamBytesIn += inBytes;
        this.counters.streamBytesOut += outBytes;
      },
    });
  }

  now(): number {
    return this.clock();
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  start(): void {
    this.enter((now) => this.core.start(now));
  }

  join(seeds: readonly string[]): void {
    this.enter((now) => this.core.join(seeds, now));
  }

  /**
   * Runs a call into the core on behalf of the application: exceptions (a
   * MetadataTooLargeError...) reach the caller, events are flushed afterwards.
   */
  call<T>(fn: (core: MeshCore, nowMs: number) => T): T {
    return this.enter((now) => fn(this.core, now), undefined, true) as T;
  }

  // CoreHost

  send(to: string, messages: readonly Message[], channel: Channel): void {
    if (this.closing !== undefined) return;
    let bytes: Uint8Array;
    try {
      bytes = this.codec.encodePacket(messages);
    } catch (error) {
      this.drop('encode-error');
      this.options.logger.error({ err: error, to }, 'cannot encode a packet from the core');
      return;
    }
    if (channel === 'datagram') {
      if (this.transport.sendDatagram(to, bytes)) {
        this.counters.packetsOut++;
        this.counters.bytesOut += bytes.length;
      }
    } else {
      this.counters.streamPacketsOut++;
      this.transport.sendStreamPacket(to, bytes);
    }
  }

  schedule(delayMs: number, token: number): void {
    // Inside a core call the time is the one the core was given.
    this.timers.schedule(delayMs, token, this.depth > 0 ? this.entryNowMs : undefined);
  }

  cancel(token: number): void {
    this.timers.cancel(token);
  }

  sync(to: string, request: SyncRequest): void {
    if (this.closing !== undefined) return;
    const encoded = this.encodeState(request);
    if (encoded instanceof Promise) {
      encoded.then((bytes) => this.exchange(to, request, bytes));
    } else {
      this.exchange(to, request, encoded);
    }
  }

  /** Sends an encoded sync request (undefined: it could not be encoded) and handles the answer. */
  private exchange(to: string, request: SyncRequest, bytes: Uint8Array | undefined): void {
    if (this.closing !== undefined) return;
    if (bytes === undefined) {
      this.syncFailed(to, request, 'encode-error');
      return;
    }
    this.transport.exchangeState(to, bytes).then(
      async (answer) => {
        if (this.closing !== undefined) return;
        const decoded = decodeStateInSteps(this.codec, answer, () => this.closed);
        const result = decoded instanceof Promise ? await decoded : decoded;
        if (this.closing !== undefined) return;
        if (!result.ok) {
          this.dropFrom(result.reason, to, 'datagram');
          this.syncFailed(to, request, result.reason);
          return;
        }
        this.enter((now) => this.core.handleSyncReply(result.state, to, now));
        this.options.onSync?.({ to, join: request.join, ok: true });
      },
      (error: { reason?: string; message?: string }) => {
        if (this.closing !== undefined) return;
        this.syncFailed(to, request, error.reason ?? error.message ?? 'error');
      },
    );
  }

  notify(event: CoreEvent): void {
    this.pending.push(event);
  }

  /** Stops the core, disarms every timer and closes the transport; idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      try {
        this.core.stop();
      } catch (error) {
        this.options.logger.error({ err: error }, 'core.stop() threw');
      }
      this.timers.clear();
      this.closing = this.transport.close();
    }
    return this.closing;
  }

  // Internals

  private receive(bytes: Uint8Array, from: string, channel: Channel): void {
    const result = this.codec.decodePacket(bytes);
    if (!result.ok) {
      this.dropFrom(result.reason, from, channel);
      return;
    }
    this.enter((now) => this.core.handleMessages(result.messages, from, channel, now));
  }

  private syncFailed(to: string, request: SyncRequest, reason: string): void {
    this.enter((now) => this.core.handleSyncFailed(to, request.join, now));
    this.options.onSync?.({ to, join: request.join, ok: false, reason });
  }

  /**
   * Encodes a state in steps when it is large; undefined when it cannot be
   * encoded (logged) or the runtime closed meanwhile. Never throws or rejects.
   */
  private encodeState(state: SyncRequest): Stepped<Uint8Array | undefined> {
    const failed = (error: unknown) => {
      this.options.logger.error({ err: error }, 'cannot encode the local state');
      return undefined;
    };
    try {
      const encoded = encodeStateInSteps(this.codec, state, () => this.closed);
      return encoded instanceof Promise ? encoded.catch(failed) : encoded;
    } catch (error) {
      return failed(error);
    }
  }

  /** Serves an inbound full-state request with the answer the core gives. */
  private serveSync(payload: Uint8Array, remote: string): Stepped<StateAnswer> {
    if (this.closing !== undefined) return undefined;
    const decoded = decodeSyncRequestInSteps(this.codec, payload, () => this.closed);
    if (decoded instanceof Promise) return decoded.then((result) => this.answerSync(result, remote));
    return this.answerSync(decoded, remote);
  }

  private answerSync(result: SyncDecodeResult, remote: string): Stepped<StateAnswer> {
    if (this.closing !== undefined) return undefined;
    if (!result.ok) {
      this.dropFrom(result.reason, remote, 'stream');
      return undefined;
    }
    const request: SyncRequest = result.state;
    // The sender's own row carries the address it listens on; the TCP source port is ephemeral.
    const own = request.type === 'state' ? request.members.find((m) => m.id === request.fromId) : undefined;
    const from = own?.address ?? remote;
    this.counters.syncsServed++;
    const answer = this.enter((now) => this.core.answerState(request, from, now));
    if (answer === undefined || this.closing !== undefined) return undefined;
    return this.encodeState(answer);
  }

  private drop(reason: DropReasonName): void {
    this.counters.drops[reason] = (this.counters.drops[reason] ?? 0) + 1;
  }

  /** A decode drop: counted, and for some reasons a rate-limited warning naming the peer. */
  private dropFrom(reason: DropReasonName, address: string, channel: Channel): void {
    this.drop(reason);
    this.peerWarnings.note(reason, address, channel);
  }

  /**
   * Runs `fn` with the current time; flushes queued core events once the
   * outermost call returns. Errors from network-driven calls are logged and
   * counted (never thrown into the event loop); `rethrow` hands them to the caller.
   */
  private enter<T>(fn: (nowMs: number) => T, nowMs?: number, rethrow = false): T | undefined {
    if (this.closing !== undefined && !rethrow) return undefined;
    const now = this.depth > 0 ? this.entryNowMs : (nowMs ?? this.clock());
    this.entryNowMs = now;
    // The core's timer changes of this step arm one Node timer, when it returns.
    if (this.depth === 0) this.timers.hold();
    this.depth++;
    let result: T | undefined;
    try {
      result = fn(now);
    } catch (error) {
      if (rethrow) throw error;
      this.drop('core-error');
      this.options.logger.error({ err: error }, 'protocol core threw');
    } finally {
      this.depth--;
      if (this.depth === 0) {
        this.timers.release();
        this.flush();
      }
    }
    return result;
  }

  private flush(): void {
    // A read position instead of shift(): one sync can queue thousands of events, and shift() is
    // linear. A listener that calls back into the node flushes from the same position.
    while (this.pendingRead < this.pending.length) {
      const event = this.pending[this.pendingRead++] as CoreEvent;
      try {
        this.options.onEvent(event);
      } catch (error) {
        this.options.logger.error({ err: error }, 'event handler threw');
      }
    }
    this.pending.length = 0;
    this.pendingRead = 0;
  }
}
