/** The runtime's randomness: the core's SeededRandom, seeded from the OS CSPRNG. */
import { randomBytes } from 'node:crypto';
import { SeededRandom } from '../core/random.js';
import type { RandomSource } from '../core/types.js';

export function cryptoSeededRandom(): RandomSource {
  return new SeededRandom(randomBytes(4).readUInt32LE(0));
}

/** A random 128-bit id as 32 lowercase hex digits (libcluster's default instance id). */
export function randomNodeId(): string {
  return randomBytes(16).toString('hex');
}
