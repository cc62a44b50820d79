/** Bounds every decoded field is held to; shared by the packet and the state decoders. */

export {
  ID_BYTES_MAX,
  INCARNATION_MAX,
  METADATA_KEYS_MAX,
  THREADS_MAX,
  UINT32_MAX,
  VIEW_DELAY_MS_MAX,
} from '../core/limits.js';

/** Messages a packet may hold unless the decoder is told otherwise. */
export const MESSAGES_MAX_DEFAULT = 256;

/** userEventPayloadBytesMax when a decoder is not told otherwise (the config default). */
export const USER_EVENT_PAYLOAD_BYTES_DEFAULT = 512;
