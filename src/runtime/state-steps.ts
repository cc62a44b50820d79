/**
 * Full states in steps. A state can hold membersMax rows (20,000 by
 * default, about 21 MB at the largest): decoding or encoding one in a single
 * call held the event loop for hundreds of milliseconds, long enough for
 * probes to time out. A small state still takes one call; a larger one takes
 * STATE_ROWS_PER_STEP rows per step with the event loop free in between.
 * Codecs without the stepped forms (they are optional) are called whole.
 */
import type { PacketCodec, StateDecodeResult, SyncDecodeResult } from '../codec/index.js';
import type { SyncRequest } from '../core/messages.js';

/** Rows per step; a step of the largest rows (about 1 KB each) takes a few milliseconds. */
export const STATE_ROWS_PER_STEP = 1000;

/** A result now, or after steps. */
export type Stepped<T> = T | Promise<T>;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs `step` until it returns a result; the first step at once, the rest
 * each in a later turn. `stopped` ends the run early with `onStop`.
 */
function inSteps<T>(step: () => T | undefined, stopped: () => boolean, onStop: () => T): Stepped<T> {
  const first = step();
  if (first !== undefined) return first;
  return (async () => {
    for (;;) {
      await nextTurn();
      if (stopped()) return onStop();
      const result = step();
      if (result !== undefined) return result;
    }
  })();
}

/** Decodes `bytes` (never throws); `stopped` abandons a long decode with a refusal the caller ignores. */
export function decodeStateInSteps(
  codec: PacketCodec,
  bytes: Uint8Array,
  stopped: () => boolean,
): Stepped<StateDecodeResult> {
  const decoding = codec.startStateDecode?.(bytes);
  if (decoding === undefined) return codec.decodeState(bytes);
  if (!('next' in decoding)) return decoding;
  return inSteps(
    () => decoding.next(STATE_ROWS_PER_STEP),
    stopped,
    () => ({ ok: false, reason: 'malformed', detail: 'stopped before the end' }),
  );
}

/** Decodes what opens a sync, a state or a digest, as decodeStateInSteps does a state. */
export function decodeSyncRequestInSteps(
  codec: PacketCodec,
  bytes: Uint8Array,
  stopped: () => boolean,
): Stepped<SyncDecodeResult> {
  // A codec that knows no digests reads states only.
  if (codec.decodeSyncRequest === undefined) return decodeStateInSteps(codec, bytes, stopped);
  const decoding = codec.startSyncRequestDecode?.(bytes);
  if (decoding === undefined) return codec.decodeSyncRequest(bytes);
  if (!('next' in decoding)) return decoding;
  return inSteps(
    () => decoding.next(STATE_ROWS_PER_STEP),
    stopped,
    () => ({ ok: false, reason: 'malformed', detail: 'stopped before the end' }),
  );
}

/** Encodes `state`; throws (or rejects) what the codec throws. Undefined when `stopped` cut it short. */
export function encodeStateInSteps(
  codec: PacketCodec,
  state: SyncRequest,
  stopped: () => boolean,
): Stepped<Uint8Array | undefined> {
  const encoding = state.type === 'state' ? codec.startStateEncode?.(state) : undefined;
  if (encoding === undefined) return codec.encodeState(state);
  return inSteps<Uint8Array | undefined>(
    () => encoding.next(STATE_ROWS_PER_STEP),
    stopped,
    () => undefined,
  );
}
