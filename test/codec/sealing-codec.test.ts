/** The sealing codec: AES-256-GCM over every packet and state, its switches, and what it drops. */
import { describe, expect, it } from 'vitest';
import { MsgpackCodec } from '../../src/codec/codec.js';
import { Keyring } from '../../src/codec/keyring.js';
import { SealingCodec } from '../../src/codec/sealing-codec.js';
import type { StateMessage } from '../../src/core/messages.js';
import { LABEL, SAMPLES, WIDE, WIDE_STATE } from './helpers.js';
import { KEY_A, KEY_B, KEY_C, ManualClock, sealingCodec } from './sealing-helpers.js';

const plainCodec = new MsgpackCodec({ label: LABEL, packetLimits: WIDE, stateLimits: WIDE_STATE });
const STATE: StateMessage = {
  type: 'state',
  join: true,
  fromId: 'node-with-a-recognisable-id',
  members: [
    {
      id: 'node-with-a-recognisable-id',
      address: '10.0.0.1:7946',
      incarnation: 3,
      state: 'alive',
      threads: 4,
      metadata: { zone: 'eu-west' },
      viewDelayMs: 0,
    },
  ],
};

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;
}

describe('sealing', () => {
  it('round-trips packets and states between two nodes holding the key', () => {
    const sender = sealingCodec();
    const receiver = sealingCodec();
    expect(receiver.decodePacket(sender.encodePacket(SAMPLES))).toEqual({ ok: true, messages: SAMPLES });
    expect(receiver.decodeState(sender.encodeState(STATE))).toEqual({ ok: true, state: STATE });
  });

  it('adds exactly 36 bytes (nonce 12, timestamp 8, tag 16) and sets the encrypted flag', () => {
    const sealed = sealingCodec().encodePacket(SAMPLES);
    const plain = plainCodec.encodePacket(SAMPLES);
    expect(sealed.length).toBe(plain.length + 36);
    expect(sealingCodec().format.packetBytes(0, 0)).toBe(plainCodec.format.packetBytes(0, 0) + 36);
    expect(sealed[3]).toBe(0x01);
    expect(Array.from(sealed.subarray(0, 3))).toEqual([0x4d, 0x4e, 1]);
    expect(Array.from(sealed.subarray(4, 8))).toEqual(Array.from(plain.subarray(4, 8)));
  });

  it('hides the payload: the id and metadata are not in the sealed bytes', () => {
    const sealed = sealingCodec().encodeState(STATE);
    expect(contains(plainCodec.encodeState(STATE), Buffer.from('recognisable'))).toBe(true);
    expect(contains(sealed, Buffer.from('recognisable'))).toBe(false);
    expect(contains(sealed, Buffer.from('eu-west'))).toBe(false);
    expect(contains(sealed, KEY_A)).toBe(false);
  });

  it('draws a fresh nonce for every message', () => {
    const codec = sealingCodec();
    const nonces = new Set<string>();
    for (let i = 0; i < 50; i++) {
      nonces.add(Buffer.from(codec.encodePacket(SAMPLES).subarray(8, 20)).toString('hex'));
    }
    expect(nonces.size).toBe(50);
  });

  it('authenticates the header: a sealed packet relabelled for another cluster does not open', () => {
    const otherLabel = LABEL ^ 0x0101;
    const sealed = sealingCodec().encodePacket(SAMPLES);
    const relabelled = Uint8Array.from(sealed);
    relabelled[4] = otherLabel >>> 24;
    relabelled[5] = (otherLabel >>> 16) & 0xff;
    relabelled[6] = (otherLabel >>> 8) & 0xff;
    relabelled[7] = otherLabel & 0xff;
    expect(sealingCodec({ label: otherLabel }).decodePacket(relabelled)).toEqual({
      ok: false,
      reason: 'bad-tag',
    });
  });
});

describe('what a sealing node drops', () => {
  it('bad-tag: a packet sealed with a key this node does not hold', () => {
    const sealed = sealingCodec({ keys: [KEY_B] }).encodePacket(SAMPLES);
    expect(sealingCodec({ keys: [KEY_A, KEY_C] }).decodePacket(sealed)).toEqual({
      ok: false,
      reason: 'bad-tag',
    });
    expect(
      sealingCodec({ keys: [KEY_A] }).decodeState(sealingCodec({ keys: [KEY_B] }).encodeState(STATE)),
    ).toMatchObject({ ok: false, reason: 'bad-tag' });
  });

  it('no-key: a sealed packet at a node without keys, sealing or not', () => {
    const sealed = sealingCodec().encodePacket(SAMPLES);
    expect(sealingCodec({ keys: [] }).decodePacket(sealed)).toEqual({ ok: false, reason: 'no-key' });
    expect(plainCodec.decodePacket(sealed)).toEqual({ ok: false, reason: 'no-key' });
  });

  it('not-encrypted: a plain packet or state while incoming verification is on', () => {
    const receiver = sealingCodec();
    expect(receiver.decodePacket(plainCodec.encodePacket(SAMPLES))).toEqual({
      ok: false,
      reason: 'not-encrypted',
    });
    expect(receiver.decodeState(plainCodec.encodeState(STATE))).toEqual({
      ok: false,
      reason: 'not-encrypted',
    });
  });

  it('checks the header before trying a key: foreign, too large and unknown flags keep their reasons', () => {
    const sealed = sealingCodec().encodePacket(SAMPLES);
    expect(sealingCodec({ label: LABEL ^ 1 }).decodePacket(sealed)).toMatchObject({
      reason: 'foreign-cluster',
    });
    const withFlags = Uint8Array.from(sealed);
    withFlags[3] = 0x03;
    expect(sealingCodec().decodePacket(withFlags)).toMatchObject({ reason: 'unsupported-flags' });
    const tight = new SealingCodec({
      label: LABEL,
      packetLimits: { ...WIDE, packetBytesMax: sealed.length - 1 },
      stateLimits: WIDE_STATE,
      keyring: new Keyring([KEY_A]),
    });
    expect(tight.decodePacket(sealed)).toEqual({ ok: false, reason: 'too-large' });
  });

  it('a sealed envelope shorter than a seal is bad-tag, and anything under 8 bytes too-short', () => {
    const sealed = sealingCodec().encodePacket(SAMPLES);
    const receiver = sealingCodec();
    expect(receiver.decodePacket(sealed.subarray(0, 8 + 35))).toEqual({ ok: false, reason: 'bad-tag' });
    expect(receiver.decodePacket(sealed.subarray(0, 7))).toEqual({ ok: false, reason: 'too-short' });
  });
});

describe('the rollout switches', () => {
  it('verifyOutgoing off: sends exactly the plain codec bytes, which the plain codec reads', () => {
    const mixed = sealingCodec({ verification: { outgoing: false, incoming: false } });
    const bytes = mixed.encodePacket(SAMPLES);
    expect(bytes).toEqual(plainCodec.encodePacket(SAMPLES));
    expect(plainCodec.decodePacket(bytes)).toEqual({ ok: true, messages: SAMPLES });
  });

  it('verifyIncoming off: accepts plain and sealed input side by side', () => {
    const mixed = sealingCodec({ verification: { incoming: false } });
    expect(mixed.decodePacket(plainCodec.encodePacket(SAMPLES))).toEqual({ ok: true, messages: SAMPLES });
    expect(mixed.decodePacket(sealingCodec().encodePacket(SAMPLES))).toEqual({ ok: true, messages: SAMPLES });
  });

  it('defaults: both on with keys, both off without; changeable one at a time', () => {
    expect(sealingCodec().verification).toEqual({ incoming: true, outgoing: true });
    const keyless = sealingCodec({ keys: [] });
    expect(keyless.verification).toEqual({ incoming: false, outgoing: false });
    expect(keyless.encodePacket(SAMPLES)).toEqual(plainCodec.encodePacket(SAMPLES));
    const codec = sealingCodec();
    expect(codec.setVerification({ incoming: false })).toEqual({ incoming: false, outgoing: true });
    expect(codec.decodePacket(plainCodec.encodePacket(SAMPLES)).ok).toBe(true);
    codec.setVerification({ incoming: true });
    expect(codec.decodePacket(plainCodec.encodePacket(SAMPLES))).toMatchObject({ reason: 'not-encrypted' });
  });

  it('an empty keyring with the switches on still sends plain packets (nothing to seal with)', () => {
    const codec = sealingCodec({ keys: [], verification: { incoming: true, outgoing: true } });
    expect(codec.encodePacket(SAMPLES)).toEqual(plainCodec.encodePacket(SAMPLES));
    expect(codec.decodePacket(plainCodec.encodePacket(SAMPLES)).ok).toBe(true);
  });
});

describe('rotation through the keyring', () => {
  it('install everywhere, use the new key, remove the old: every step keeps both nodes talking', () => {
    const a = sealingCodec({ keys: [KEY_A] });
    const b = sealingCodec({ keys: [KEY_A] });
    const talk = () => [
      b.decodePacket(a.encodePacket(SAMPLES)).ok,
      a.decodePacket(b.encodePacket(SAMPLES)).ok,
    ];
    a.keyring.install(KEY_B);
    b.keyring.install(KEY_B);
    expect(talk()).toEqual([true, true]);
    a.keyring.use(KEY_B);
    expect(talk()).toEqual([true, true]);
    b.keyring.use(KEY_B);
    a.keyring.remove(KEY_A);
    b.keyring.remove(KEY_A);
    expect(talk()).toEqual([true, true]);
    // The old key no longer opens anything.
    expect(a.decodePacket(sealingCodec({ keys: [KEY_A] }).encodePacket(SAMPLES))).toMatchObject({
      reason: 'bad-tag',
    });
  });
});

describe('replay protection', () => {
  it('the same sealed packet accepted once, then replayed', () => {
    const clock = new ManualClock();
    const receiver = sealingCodec({ clock });
    const sealed = sealingCodec({ clock }).encodePacket(SAMPLES);
    expect(receiver.decodePacket(sealed).ok).toBe(true);
    clock.nowMs += 1000;
    expect(receiver.decodePacket(sealed)).toEqual({ ok: false, reason: 'replayed' });
  });

  it('stale beyond 30 s of skew either way, accepted at exactly 30 s', () => {
    const senderClock = new ManualClock(1_764_590_000_000);
    const sender = sealingCodec({ clock: senderClock });
    for (const [offsetMs, ok] of [
      [30_000, true],
      [30_001, false],
      [-30_000, true],
      [-30_001, false],
    ] as const) {
      const receiver = sealingCodec({ clock: new ManualClock(senderClock.nowMs + offsetMs) });
      const result = receiver.decodePacket(sender.encodePacket(SAMPLES));
      expect(result.ok ? 'ok' : result.reason, `offset ${offsetMs}`).toBe(ok ? 'ok' : 'stale');
    }
  });

  it('a captured packet cannot be used after its window, even at a node that never saw it', () => {
    const clock = new ManualClock();
    const captured = sealingCodec({ clock }).encodePacket(SAMPLES);
    clock.nowMs += 60_000;
    expect(sealingCodec({ clock }).decodePacket(captured)).toEqual({ ok: false, reason: 'stale' });
  });

  it('the window is configurable', () => {
    const clock = new ManualClock();
    const sealed = sealingCodec({ clock }).encodePacket(SAMPLES);
    const receiver = sealingCodec({ clock: new ManualClock(clock.nowMs + 5_001), replayWindowMs: 5_000 });
    expect(receiver.decodePacket(sealed)).toMatchObject({ reason: 'stale' });
  });
});

describe('checking a state frame from its first bytes', () => {
  const plain = new MsgpackCodec({ label: LABEL, packetLimits: WIDE, stateLimits: WIDE_STATE });
  const head = (bytes: Uint8Array) => bytes.subarray(0, 256);

  it('gives a plaintext state the full head check, unless only sealed states are accepted', () => {
    const mixed = sealingCodec({ keys: [], verification: { incoming: false, outgoing: false } });
    const bytes = plain.encodeState(STATE);
    expect(mixed.checkStateHead(head(bytes), bytes.length)).toBeUndefined();
    // The same head declaring 21 MB: more than its rows can take, refused before the rest is read.
    expect(mixed.checkStateHead(head(bytes), 21_000_000)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(sealingCodec().checkStateHead(head(bytes), bytes.length)).toMatchObject({
      reason: 'not-encrypted',
    });
  });

  it('lets a sealed state be read whole when a key may open it, and refuses it without one', () => {
    const bytes = sealingCodec().encodeState(STATE);
    expect(sealingCodec().checkStateHead(head(bytes), bytes.length)).toBeUndefined();
    const keyless = sealingCodec({ keys: [], verification: { incoming: false, outgoing: false } });
    expect(keyless.checkStateHead(head(bytes), bytes.length)).toMatchObject({ reason: 'no-key' });
  });
});
