/** Bounds every decoded field is held to; shared by the packet and the state decoders. */

export const UINT32_MAX = 0xffff_ffff;
/**
 * Incarnations are safe integers: a life starts at the wall clock in ms
 * (about 2^40 today), so the space lasts for millennia of refutations and a
 * forged high value cannot pin a member at a ceiling it cannot refute past.
 */
export const INCARNATION_MAX = Number.MAX_SAFE_INTEGER;
export const ID_BYTES_MAX = 128;
export const THREADS_MAX = 65_535;
export const VIEW_DELAY_MS_MAX = 600_000;
export const METADATA_KEYS_MAX = 64;
export const MESSAGES_MAX_DEFAULT = 256;
