/**
 * The gossip keys of one node: the primary seals everything sent, every
 * installed key may open what arrives, so a key can be rolled across a
 * running cluster (install everywhere, make it primary, remove the old one).
 *
 * Keys are held as KeyObjects, which print and serialise without their
 * bytes, and are named outside the keyring only by a key id: the first 8
 * bytes of SHA-256 over the key, in hex. An id tells two keys apart and
 * matches one to a file without revealing anything that helps guess it.
 */
import { createHash, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { MeshError } from '../core/errors.js';

/** AES-256: 32 bytes, 44 characters of base64. */
export const KEY_BYTES = 32;
/** Every installed key is tried on every sealed input that fails the ones before it: bounded. */
export const KEYS_MAX = 16;

/** A key as the caller has it: 32 bytes, or their standard base64 (with padding). */
export type KeyInput = Uint8Array | string;

export interface KeyInfo {
  /** 16 hex characters derived from the key; never the key. */
  readonly id: string;
  /** The key that seals what this node sends. */
  readonly primary: boolean;
}

export type KeyringErrorReason = 'invalid-key' | 'unknown-key' | 'primary-key' | 'keys-max' | 'empty';

/** A keyring change refused; the message names keys by id only. */
export class KeyringError extends MeshError {
  readonly reason: KeyringErrorReason;
  constructor(reason: KeyringErrorReason, message: string) {
    super('ERR_MESH_KEYRING', message);
    this.reason = reason;
  }
}

const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
const KEY_ID = /^[0-9a-f]{16}$/;

/** A new random key, in base64. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** The key's bytes, or a KeyringError that does not repeat the input. */
export function keyBytes(input: KeyInput): Buffer {
  if (typeof input === 'string') {
    if (!BASE64_KEY.test(input)) {
      throw new KeyringError(
        'invalid-key',
        `a key must be ${KEY_BYTES} bytes in standard base64 (44 characters ending in "="), got ${input.length} characters`,
      );
    }
    return Buffer.from(input, 'base64');
  }
  if (!(input instanceof Uint8Array) || input.length !== KEY_BYTES) {
    const length = input instanceof Uint8Array ? `${input.length} bytes` : typeof input;
    throw new KeyringError('invalid-key', `a key must be ${KEY_BYTES} bytes, got ${length}`);
  }
  return Buffer.from(input);
}

/** The id under which `key` is listed. */
export function keyId(input: KeyInput): string {
  return idOf(keyBytes(input));
}

function idOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

interface Entry {
  readonly id: string;
  readonly key: KeyObject;
}

export class Keyring {
  /** Primary first. */
  private entries: Entry[] = [];
  private openOrder: KeyObject[] = [];

  /** `keys[0]` becomes the primary; an empty list is a keyring that seals nothing. */
  constructor(keys: readonly KeyInput[] = []) {
    this.replace(keys, true);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The key that seals, or undefined for an empty keyring. */
  get primary(): KeyObject | undefined {
    return this.entries[0]?.key;
  }

  /** Every key, primary first: the order in which inputs are opened. */
  get openingKeys(): readonly KeyObject[] {
    return this.openOrder;
  }

  list(): KeyInfo[] {
    return this.entries.map((entry, i) => ({ id: entry.id, primary: i === 0 }));
  }

  /** Adds a key for opening; the first key of an empty keyring becomes the primary. Installing twice is a no-op. */
  install(input: KeyInput): KeyInfo {
    const bytes = keyBytes(input);
    const id = idOf(bytes);
    const known = this.entries.findIndex((entry) => entry.id === id);
    if (known >= 0) return { id, primary: known === 0 };
    if (this.entries.length >= KEYS_MAX) {
      throw new KeyringError('keys-max', `the keyring holds ${KEYS_MAX} keys already; remove one first`);
    }
    this.entries.push({ id, key: createSecretKey(bytes) });
    this.refresh();
    return { id, primary: this.entries.length === 1 };
  }

  /** Makes an installed key (given as the key or its id) the primary. */
  use(keyOrId: KeyInput): KeyInfo {
    const at = this.find(keyOrId);
    const [entry] = this.entries.splice(at, 1);
    this.entries.unshift(entry as Entry);
    this.refresh();
    return { id: (entry as Entry).id, primary: true };
  }

  /** Removes a key other than the primary (given as the key or its id). */
  remove(keyOrId: KeyInput): KeyInfo {
    const at = this.find(keyOrId);
    const entry = this.entries[at] as Entry;
    if (at === 0) {
      throw new KeyringError(
        'primary-key',
        `key ${entry.id} is the primary key and cannot be removed; make another key primary first`,
      );
    }
    this.entries.splice(at, 1);
    this.refresh();
    return { id: entry.id, primary: false };
  }

  /**
   * Swaps in a whole list (a reloaded keyring file), `keys[0]` primary. All
   * keys are checked before anything changes; only the constructor may
   * leave a keyring empty, a running keyring refuses to lose its keys.
   */
  replace(keys: readonly KeyInput[], allowEmpty = false): void {
    if (!Array.isArray(keys)) throw new KeyringError('invalid-key', 'keys must be an array');
    if (keys.length > KEYS_MAX) {
      throw new KeyringError('keys-max', `at most ${KEYS_MAX} keys, got ${keys.length}`);
    }
    if (keys.length === 0 && !allowEmpty && this.entries.length > 0) {
      throw new KeyringError('empty', 'an empty key list would turn encryption off; keep at least one key');
    }
    const next: Entry[] = [];
    for (const input of keys) {
      const bytes = keyBytes(input);
      const id = idOf(bytes);
      if (next.some((entry) => entry.id === id)) continue;
      next.push({ id, key: createSecretKey(bytes) });
    }
    this.entries = next;
    this.refresh();
  }

  private find(keyOrId: KeyInput): number {
    const id = typeof keyOrId === 'string' && KEY_ID.test(keyOrId) ? keyOrId : keyId(keyOrId);
    const at = this.entries.findIndex((entry) => entry.id === id);
    if (at < 0) throw new KeyringError('unknown-key', `no installed key has id ${id}`);
    return at;
  }

  private refresh(): void {
    this.openOrder = this.entries.map((entry) => entry.key);
  }
}
