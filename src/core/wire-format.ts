/**
 * What the core must know about the wire: exact sizes, so that it fills a
 * packet up to packetBytesMax by arithmetic alone. The codec provides it
 * (`msgpackWireFormat` in src/codec) and the host hands it to the core, so
 * the core never imports the codec and a sealing layer that adds bytes to
 * every packet only changes `packetOverheadBytes`.
 */
import type { Message } from './messages.js';

export interface WireFormat {
  /** Bytes every packet carries besides its message list: the header, and a seal's nonce and tag. */
  readonly packetOverheadBytes: number;
  /** Most messages one packet may hold; the decoder refuses more. */
  readonly messagesPerPacketMax: number;
  /** Exact bytes `message` adds to a packet's message list. */
  messageBytes(message: Message): number;
  /** Exact bytes of a packet of `count` messages whose messageBytes sum to `messagesBytes`. */
  packetBytes(count: number, messagesBytes: number): number;
  /** Bytes of such a packet however many messages it holds, up to messagesPerPacketMax: a bound for packing. */
  packetBytesBound(messagesBytes: number): number;
  /**
   * The largest membership update any valid member can send when metadata
   * is at most `metadataBytesMax` bytes (an alive message with the longest
   * id, address and metadata). An upper bound, never below the real size.
   */
  updateBytesMax(metadataBytesMax: number): number;
  /** The largest user event with a payload of at most `payloadBytesMax` bytes. An upper bound. */
  userEventBytesMax(payloadBytesMax: number): number;
}
