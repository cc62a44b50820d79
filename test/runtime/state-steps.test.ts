/**
 * Large states are decoded and encoded in steps with the event loop free
 * between them; small ones in one call; a stop abandons a long run.
 */
import { describe, expect, it } from 'vitest';
import { clusterLabel, encodeState, MsgpackCodec } from '../../src/codec/index.js';
import type { StateMessage } from '../../src/core/messages.js';
import {
  decodeStateInSteps,
  encodeStateInSteps,
  STATE_ROWS_PER_STEP,
} from '../../src/runtime/state-steps.js';

const label = clusterLabel('test', 'steps');
const codec = new MsgpackCodec({
  label,
  packetLimits: { packetBytesMax: 1400, metadataBytesMax: 512 },
  stateLimits: { stateBytesMax: 1 << 30, membersMax: 20_000, metadataBytesMax: 512 },
});

function state(rows: number): StateMessage {
  const members = Array.from({ length: rows }, (_, i) => ({
    id: `m${i}`,
    address: `10.0.${i >> 8}.${i & 0xff}:7946`,
    incarnation: i,
    state: 'alive' as const,
    threads: 1 + (i % 3),
    metadata: { zone: `z${i % 5}` },
    viewDelayMs: 0,
  }));
  return { type: 'state', join: false, fromId: 'm0', members };
}

/** Counts event-loop turns (setImmediate callbacks) until stopped. */
function turnCounter(): { turns: () => number; stop: () => void } {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return { turns: () => turns, stop: () => (running = false) };
}

describe('states in steps', () => {
  it('a state of up to STATE_ROWS_PER_STEP rows takes one call', () => {
    const small = state(STATE_ROWS_PER_STEP);
    const bytes = encodeStateInSteps(codec, small, () => false);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decodeStateInSteps(codec, bytes as Uint8Array, () => false)).toEqual({ ok: true, state: small });
  });

  it('a larger one takes a step per STATE_ROWS_PER_STEP rows, each in a later turn, to the same result', async () => {
    const large = state(3 * STATE_ROWS_PER_STEP + 1);
    const counter = turnCounter();
    const encoding = encodeStateInSteps(codec, large, () => false);
    expect(encoding).toBeInstanceOf(Promise);
    const bytes = (await encoding) as Uint8Array;
    const turnsToEncode = counter.turns();
    // The same bytes as the codec's whole encode: the rows, then deflated.
    expect(Buffer.from(bytes).equals(codec.encodeState(large))).toBe(true);
    const decoding = decodeStateInSteps(codec, bytes, () => false);
    expect(decoding).toBeInstanceOf(Promise);
    expect(await decoding).toEqual({ ok: true, state: large });
    const turnsToDecode = counter.turns() - turnsToEncode;
    counter.stop();
    // Four steps: the first at once, three in later turns, so other work ran at least three times.
    expect(turnsToEncode).toBeGreaterThanOrEqual(3);
    expect(turnsToDecode).toBeGreaterThanOrEqual(3);
  });

  it('a stop abandons a long run', async () => {
    const bytes = encodeState(state(3 * STATE_ROWS_PER_STEP), label);
    let stopped = false;
    const decoding = decodeStateInSteps(codec, bytes, () => stopped);
    stopped = true;
    expect(await decoding).toMatchObject({ ok: false });
    expect(await encodeStateInSteps(codec, state(3 * STATE_ROWS_PER_STEP), () => true)).toBeUndefined();
  });

  it('a state refused from its head is refused at once', () => {
    const bytes = encodeState(state(3), label);
    const foreign = new MsgpackCodec({
      label: label + 1,
      packetLimits: { packetBytesMax: 1400, metadataBytesMax: 512 },
      stateLimits: { stateBytesMax: 1 << 30, membersMax: 2, metadataBytesMax: 512 },
    });
    expect(decodeStateInSteps(foreign, bytes, () => false)).toEqual({ ok: false, reason: 'foreign-cluster' });
  });
});
