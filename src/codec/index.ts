/** The wire codec: an 8-byte envelope followed by a msgpack payload. */

export { metadataBytes } from '../core/limits.js';
export { MsgpackCodec, type MsgpackCodecOptions, type PacketCodec } from './codec.js';
export { ENVELOPE_BYTES } from './envelope.js';
export { clusterLabel } from './label.js';
export { decodePacket, encodePacket } from './message-codec.js';
export { decodeState, encodeState } from './state-codec.js';
export type {
  DecodeDropReason,
  DecodeLimits,
  PacketDecodeResult,
  StateDecodeLimits,
  StateDecodeResult,
  StateDecoding,
  StateEncoding,
  SyncDecodeResult,
  SyncRequestDecoding,
} from './types.js';
export {
  MsgpackWireFormat,
  memberRowBytes,
  msgpackWireFormat,
  type WireFormatOptions,
} from './wire-format.js';
