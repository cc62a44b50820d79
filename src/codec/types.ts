/**
 * Result and limit shapes of the codec. Decoding never throws: every way a
 * packet can be unusable maps to one of these reasons so the runtime can
 * count drops by cause.
 */
import type { DropReasonOf } from '../core/drops.js';
import type { Message, StateMessage, SyncRequest } from '../core/messages.js';

/** Why the codec dropped an input (the table, with each reason's meaning, is core/drops.ts). */
export type DecodeDropReason = DropReasonOf<'codec'>;

export type PacketDecodeResult =
  | { ok: true; messages: Message[] }
  | { ok: false; reason: DecodeDropReason; detail?: string };

export type StateDecodeResult =
  | { ok: true; state: StateMessage }
  | { ok: false; reason: DecodeDropReason; detail?: string };

/** What opens a sync: a full or partial state, or a digest. */
export type SyncDecodeResult =
  | { ok: true; state: SyncRequest }
  | { ok: false; reason: DecodeDropReason; detail?: string };

export interface DecodeLimits {
  packetBytesMax: number;
  metadataBytesMax: number;
  /** Default 256. */
  messagesMax?: number;
  /** Largest user event payload accepted; the config's userEventPayloadBytesMax. Default 512. */
  userEventPayloadBytesMax?: number;
}

export interface StateDecodeLimits {
  stateBytesMax: number;
  membersMax: number;
  metadataBytesMax: number;
}

export type DecodeDrop = { ok: false; reason: DecodeDropReason; detail?: string };

/** A state encoded a bounded number of rows at a time (state-codec.ts StateEncoder). */
export interface StateEncoding {
  /** Encodes up to `rowsMax` more rows: the whole state's bytes once complete, else undefined. */
  next(rowsMax: number): Uint8Array | undefined;
}

/** A state decoded a bounded number of rows at a time (state-codec.ts StateDecoder). */
export interface StateDecoding {
  /** Decodes up to `rowsMax` more rows: the result once complete or refused, else undefined. */
  next(rowsMax: number): StateDecodeResult | undefined;
}

/** A sync request decoded in steps: a state as StateDecoding does, or a digest in one. */
export interface SyncRequestDecoding {
  next(rowsMax: number): SyncDecodeResult | undefined;
}
