/**
 * The codec with AES-256-GCM sealing (seal.ts) over the msgpack codec, a
 * keyring and memberlist's two rollout switches:
 *
 * - verifyOutgoing: seal what this node sends (with the primary key);
 *   off, it sends plain packets that every node can read.
 * - verifyIncoming: refuse plain input ('not-encrypted'); off, plain input
 *   is accepted beside sealed input.
 *
 * Sealed input is always authenticated before anything is decoded; without
 * keys it is dropped as 'no-key', with keys that do not open it as
 * 'bad-tag', and outside the replay window as 'stale' or 'replayed'. An
 * empty keyring seals nothing and refuses nothing plain.
 *
 * Its packet budget always includes the seal, keys or not, so keys can be
 * installed on a running node without any packet outgrowing packetBytesMax.
 */
import type { Message, SyncRequest } from '../core/messages.js';
import type { PacketCodec } from './codec.js';
import { MsgpackCodec, type MsgpackCodecOptions } from './codec.js';
import { drop, dropFromError } from './drop.js';
import { checkHeader, FLAG_DEFLATED, FLAG_ENCRYPTED } from './envelope.js';
import type { Keyring } from './keyring.js';
import { ReplayGuard } from './replay-guard.js';
import { open, SEAL_BYTES, seal } from './seal.js';
import { STATE_HEAD_BYTES } from './state-codec.js';
import type {
  DecodeDrop,
  PacketDecodeResult,
  StateDecodeResult,
  StateDecoding,
  SyncDecodeResult,
  SyncRequestDecoding,
} from './types.js';
import { MsgpackWireFormat } from './wire-format.js';

/** The wire format of a sealing codec: the msgpack sizes plus the seal on every packet and state. */
export const sealedWireFormat: MsgpackWireFormat = new MsgpackWireFormat({ sealBytes: SEAL_BYTES });

export interface Verification {
  /** Drop plain input. */
  readonly incoming: boolean;
  /** Seal output. */
  readonly outgoing: boolean;
}

export interface SealingCodecOptions extends MsgpackCodecOptions {
  readonly keyring: Keyring;
  /** Default: both on when the keyring starts with keys, both off when it starts empty. */
  readonly verification?: Partial<Verification>;
  /** Default REPLAY_WINDOW_MS_DEFAULT (30 s). */
  readonly replayWindowMs?: number;
  /** The clock sealed timestamps are written and checked with; default Date.now. */
  readonly wallClockMs?: () => number;
}

export class SealingCodec implements PacketCodec {
  readonly format = sealedWireFormat;
  readonly keyring: Keyring;
  private readonly plain: MsgpackCodec;
  private readonly options: SealingCodecOptions;
  private readonly replay: ReplayGuard;
  private readonly wallClockMs: () => number;
  private current: Verification;

  constructor(options: SealingCodecOptions) {
    this.options = options;
    this.plain = new MsgpackCodec(options);
    this.keyring = options.keyring;
    this.replay = new ReplayGuard(
      options.replayWindowMs === undefined ? {} : { windowMs: options.replayWindowMs },
    );
    this.wallClockMs = options.wallClockMs ?? Date.now;
    const on = options.keyring.size > 0;
    this.current = {
      incoming: options.verification?.incoming ?? on,
      outgoing: options.verification?.outgoing ?? on,
    };
  }

  get verification(): Verification {
    return this.current;
  }

  /** Changes either switch; the other keeps its value. */
  setVerification(change: Partial<Verification>): Verification {
    this.current = {
      incoming: change.incoming ?? this.current.incoming,
      outgoing: change.outgoing ?? this.current.outgoing,
    };
    return this.current;
  }

  encodePacket(messages: readonly Message[]): Uint8Array {
    return this.sealed(this.plain.encodePacket(messages));
  }

  decodePacket(bytes: Uint8Array): PacketDecodeResult {
    const opened = this.opened(bytes, this.options.packetLimits.packetBytesMax, 0);
    return opened instanceof Uint8Array ? this.plain.decodePacket(opened) : opened;
  }

  encodeState(state: SyncRequest): Uint8Array {
    // Deflated first: ciphertext does not compress.
    return this.sealed(this.plain.encodeState(state));
  }

  decodeState(bytes: Uint8Array): StateDecodeResult {
    const opened = this.opened(bytes, this.options.stateLimits.stateBytesMax, FLAG_DEFLATED);
    return opened instanceof Uint8Array ? this.plain.decodeState(opened) : opened;
  }

  decodeSyncRequest(bytes: Uint8Array): SyncDecodeResult {
    const opened = this.opened(bytes, this.options.stateLimits.stateBytesMax, FLAG_DEFLATED);
    return opened instanceof Uint8Array ? this.plain.decodeSyncRequest(opened) : opened;
  }

  readonly stateHeadBytes = STATE_HEAD_BYTES;

  /**
   * Checks a state frame from its first bytes before the rest is read. A
   * plaintext state gets the plain codec's full head check (unless this node
   * only accepts sealed ones); a sealed one only its header and size, since
   * the rest of its head is ciphertext until the whole frame is in.
   */
  checkStateHead(prefix: Uint8Array, totalBytes: number): DecodeDrop | undefined {
    const { label, stateLimits } = this.options;
    if (totalBytes > stateLimits.stateBytesMax) return drop('too-large');
    const rejected = checkHeader(prefix, label, Number.POSITIVE_INFINITY);
    if (rejected !== undefined) return drop(rejected);
    const flags = prefix[3] as number;
    if ((flags & ~(FLAG_ENCRYPTED | FLAG_DEFLATED)) !== 0) return drop('unsupported-flags');
    if ((flags & FLAG_ENCRYPTED) === 0) {
      if (this.keyring.size > 0 && this.current.incoming) return drop('not-encrypted');
      return this.plain.checkStateHead(prefix, totalBytes);
    }
    return this.keyring.size > 0 ? undefined : drop('no-key');
  }

  /**
   * Opens the seal of the whole state (the tag authenticates all of it),
   * then decodes the plaintext in steps as the plain codec does. No head
   * check before the rest is read: the head is ciphertext until then.
   */
  startStateDecode(bytes: Uint8Array): StateDecoding | DecodeDrop {
    const opened = this.opened(bytes, this.options.stateLimits.stateBytesMax, FLAG_DEFLATED);
    return opened instanceof Uint8Array ? this.plain.startStateDecode(opened) : opened;
  }

  startSyncRequestDecode(bytes: Uint8Array): SyncRequestDecoding | DecodeDrop {
    const opened = this.opened(bytes, this.options.stateLimits.stateBytesMax, FLAG_DEFLATED);
    return opened instanceof Uint8Array ? this.plain.startSyncRequestDecode(opened) : opened;
  }

  private sealed(plain: Uint8Array): Uint8Array {
    const key = this.keyring.primary;
    if (key === undefined || !this.current.outgoing) return plain;
    return seal(plain, key, this.wallClockMs());
  }

  /**
   * The unsealed envelope to decode, or why the input is dropped. Never
   * throws. `otherFlags`: the flags this kind of input may carry besides
   * the seal's (a state may be deflated, a packet never).
   */
  private opened(bytes: Uint8Array, bytesMax: number, otherFlags: number): Uint8Array | DecodeDrop {
    try {
      return this.unsealed(bytes, bytesMax, otherFlags);
    } catch (error) {
      return dropFromError(error);
    }
  }

  private unsealed(bytes: Uint8Array, bytesMax: number, otherFlags: number): Uint8Array | DecodeDrop {
    const rejected = checkHeader(bytes, this.options.label, bytesMax);
    if (rejected !== undefined) return drop(rejected);
    const flags = bytes[3] as number;
    const keyed = this.keyring.size > 0;
    if ((flags & ~(FLAG_ENCRYPTED | otherFlags)) !== 0) return drop('unsupported-flags');
    if ((flags & FLAG_ENCRYPTED) === 0) return keyed && this.current.incoming ? drop('not-encrypted') : bytes;
    if (!keyed) return drop('no-key');
    const result = open(bytes, this.keyring.openingKeys);
    if (result === undefined) return drop('bad-tag');
    const replayed = this.replay.check(result.sentAtMs, result.nonce, this.wallClockMs());
    if (replayed !== undefined) return drop(replayed);
    return result.plain;
  }
}
