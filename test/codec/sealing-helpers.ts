/** Fixtures for the sealing tests: fixed keys, a settable clock and codecs built around them. */
import { type KeyInput, Keyring } from '../../src/codec/keyring.js';
import { SealingCodec, type Verification } from '../../src/codec/sealing-codec.js';
import { LABEL, WIDE, WIDE_STATE } from './helpers.js';

/** Three distinct 32-byte keys, spelled out so no test depends on a generator. */
export const KEY_A = Buffer.alloc(32, 0x11);
export const KEY_B = Buffer.alloc(32, 0x22);
export const KEY_C = Buffer.alloc(32, 0x33);

/** A wall clock the test moves by hand. */
export class ManualClock {
  constructor(public nowMs = 1_764_590_000_000) {}
  readonly read = (): number => this.nowMs;
}

export interface CodecSetup {
  readonly keys?: readonly KeyInput[];
  readonly verification?: Partial<Verification>;
  readonly clock?: ManualClock;
  readonly label?: number;
  readonly replayWindowMs?: number;
}

export function sealingCodec(setup: CodecSetup = {}): SealingCodec {
  const clock = setup.clock ?? new ManualClock();
  return new SealingCodec({
    label: setup.label ?? LABEL,
    packetLimits: WIDE,
    stateLimits: WIDE_STATE,
    keyring: new Keyring(setup.keys ?? [KEY_A]),
    wallClockMs: clock.read,
    ...(setup.verification === undefined ? {} : { verification: setup.verification }),
    ...(setup.replayWindowMs === undefined ? {} : { replayWindowMs: setup.replayWindowMs }),
  });
}
