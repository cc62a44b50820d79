/** Bounds every decoded field is held to; shared by the packet and the state decoders. */

export const UINT32_MAX = 0xffff_ffff;
export const ID_BYTES_MAX = 128;
export const THREADS_MAX = 65_535;
export const VIEW_DELAY_MS_MAX = 600_000;
export const METADATA_KEYS_MAX = 64;
export const MESSAGES_MAX_DEFAULT = 256;
