/** The keyring: one primary seals, every key opens, and no key leaves it except by id. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateKey, KEYS_MAX, Keyring, KeyringError, keyBytes, keyId } from '../../src/codec/keyring.js';
import { MeshError } from '../../src/core/errors.js';
import { KEY_A, KEY_B, KEY_C } from './sealing-helpers.js';

const B64_A = KEY_A.toString('base64');

function keyringError(fn: () => unknown): KeyringError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyringError);
    return error as KeyringError;
  }
  throw new Error('expected a KeyringError');
}

describe('keys', () => {
  it('accepts 32 bytes or their base64, and names both by the same id', () => {
    expect(keyBytes(B64_A)).toEqual(KEY_A);
    expect(keyId(B64_A)).toBe(keyId(KEY_A));
    expect(keyId(KEY_A)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyId(KEY_A)).not.toBe(keyId(KEY_B));
  });

  it('the id is the first 8 bytes of SHA-256 over the key', () => {
    // sha256 of 32 bytes of 0x11, computed outside this project (coreutils sha256sum).
    expect(keyId(KEY_A)).toBe('02d449a31fbb267c');
  });

  it('generateKey makes distinct 32-byte base64 keys', () => {
    const a = generateKey();
    const b = generateKey();
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('refuses malformed keys without echoing them', () => {
    const shortKey = Buffer.alloc(31, 0x41).toString('base64');
    for (const bad of [shortKey, `${B64_A.slice(0, -1)}!`, B64_A.replace(/=$/, ''), ` ${B64_A}`, '']) {
      const error = keyringError(() => keyBytes(bad));
      expect(error.reason).toBe('invalid-key');
      if (bad.length > 0) expect(error.message).not.toContain(bad.trim());
    }
    expect(keyringError(() => keyBytes(Buffer.alloc(16))).message).toContain('16 bytes');
    expect(keyringError(() => keyBytes(42 as never)).reason).toBe('invalid-key');
  });
});

describe('Keyring', () => {
  it('the first key is primary; list() gives ids and the primary flag only', () => {
    const ring = new Keyring([KEY_A, B64_A, KEY_B]);
    expect(ring.size).toBe(2);
    expect(ring.list()).toEqual([
      { id: keyId(KEY_A), primary: true },
      { id: keyId(KEY_B), primary: false },
    ]);
  });

  it('install adds an opening key; the first into an empty ring becomes primary; twice is a no-op', () => {
    const ring = new Keyring();
    expect(ring.primary).toBeUndefined();
    expect(ring.install(KEY_A)).toEqual({ id: keyId(KEY_A), primary: true });
    expect(ring.install(KEY_B)).toEqual({ id: keyId(KEY_B), primary: false });
    expect(ring.install(KEY_B)).toEqual({ id: keyId(KEY_B), primary: false });
    expect(ring.size).toBe(2);
    expect(ring.openingKeys).toHaveLength(2);
  });

  it('use switches the primary, by key or by id', () => {
    const ring = new Keyring([KEY_A, KEY_B, KEY_C]);
    ring.use(KEY_B);
    expect(ring.list()[0]).toEqual({ id: keyId(KEY_B), primary: true });
    ring.use(keyId(KEY_C));
    expect(ring.list().map((k) => k.id)).toEqual([keyId(KEY_C), keyId(KEY_B), keyId(KEY_A)]);
  });

  it('remove drops a secondary key and refuses the primary with ERR_MESH_KEYRING', () => {
    const ring = new Keyring([KEY_A, KEY_B]);
    const error = keyringError(() => ring.remove(KEY_A));
    expect(error).toBeInstanceOf(MeshError);
    expect(error.code).toBe('ERR_MESH_KEYRING');
    expect(error.reason).toBe('primary-key');
    expect(error.message).toContain(keyId(KEY_A));
    expect(error.message).not.toContain(B64_A);
    expect(ring.remove(keyId(KEY_B))).toEqual({ id: keyId(KEY_B), primary: false });
    expect(ring.size).toBe(1);
  });

  it('use or remove of a key that is not installed is unknown-key', () => {
    const ring = new Keyring([KEY_A]);
    expect(keyringError(() => ring.use(KEY_B)).reason).toBe('unknown-key');
    expect(keyringError(() => ring.remove('0123456789abcdef')).reason).toBe('unknown-key');
  });

  it('holds at most KEYS_MAX keys', () => {
    const ring = new Keyring();
    for (let i = 0; i < KEYS_MAX; i++) ring.install(Buffer.alloc(32, i));
    expect(keyringError(() => ring.install(Buffer.alloc(32, 0xfe))).reason).toBe('keys-max');
    expect(
      keyringError(() => new Keyring(Array.from({ length: KEYS_MAX + 1 }, (_, i) => Buffer.alloc(32, i))))
        .reason,
    ).toBe('keys-max');
  });

  it('replace swaps the whole list after checking every key, and will not empty a running ring', () => {
    const ring = new Keyring([KEY_A]);
    expect(keyringError(() => ring.replace([KEY_B, 'not a key'])).reason).toBe('invalid-key');
    expect(ring.list()).toEqual([{ id: keyId(KEY_A), primary: true }]);
    expect(keyringError(() => ring.replace([])).reason).toBe('empty');
    ring.replace([KEY_C, KEY_A]);
    expect(ring.list()).toEqual([
      { id: keyId(KEY_C), primary: true },
      { id: keyId(KEY_A), primary: false },
    ]);
  });

  it('printing or serialising a keyring shows no key bytes', () => {
    const ring = new Keyring([KEY_A]);
    const shown = `${inspect(ring, { depth: 10, showHidden: true })}${JSON.stringify(ring)}`;
    expect(shown).not.toContain(B64_A);
    expect(shown).not.toContain(KEY_A.toString('hex'));
    expect(shown).not.toMatch(/17, 17, 17/);
  });
});
