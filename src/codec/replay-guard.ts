/**
 * Replay protection for sealed inputs. Each sealed message carries its
 * sender's wall-clock time; one outside `windowMs` of this node's clock
 * either way is 'stale', so a captured message is useless once its window
 * has passed. Inside the window, the nonce of every accepted message is
 * remembered (each seal draws a fresh random one), so the same message
 * accepted twice is 'replayed'.
 *
 * Assumption: the hosts' clocks agree to well within the window (NTP keeps
 * them within milliseconds; the default of 30 s leaves room for a drifting
 * VM). A host whose clock is off by more sees every input 'stale' and says
 * so in its drop counts and warnings.
 *
 * Bounded: at most `noncesMax` nonces are held; past that the oldest is
 * forgotten first, so a flood of valid traffic (which needs the key) can at
 * worst reopen the window for the oldest messages, never grow memory.
 */
import type { DecodeDropReason } from './types.js';

/** Default window: a sealed input older or newer than this (ms) is dropped as 'stale'. */
export const REPLAY_WINDOW_MS_DEFAULT = 30_000;
/** Default cap on remembered nonces: about 1,000 messages a second over a 60 s span. */
export const REPLAY_NONCES_MAX_DEFAULT = 65_536;

export interface ReplayGuardOptions {
  readonly windowMs?: number;
  readonly noncesMax?: number;
}

export class ReplayGuard {
  readonly windowMs: number;
  private readonly noncesMax: number;
  /** Nonce (latin1 key) -> when it may be forgotten; insertion order is arrival order. */
  private readonly seen = new Map<string, number>();

  constructor(options: ReplayGuardOptions = {}) {
    this.windowMs = options.windowMs ?? REPLAY_WINDOW_MS_DEFAULT;
    this.noncesMax = options.noncesMax ?? REPLAY_NONCES_MAX_DEFAULT;
    if (!Number.isInteger(this.windowMs) || this.windowMs < 1)
      throw new RangeError('windowMs must be a positive integer');
    if (!Number.isInteger(this.noncesMax) || this.noncesMax < 1)
      throw new RangeError('noncesMax must be a positive integer');
  }

  /** How many nonces are held now. */
  get size(): number {
    return this.seen.size;
  }

  /** Why the input must be dropped, or undefined after recording it as seen. */
  check(sentAtMs: number, nonce: Uint8Array, nowMs: number): DecodeDropReason | undefined {
    if (Math.abs(nowMs - sentAtMs) > this.windowMs) return 'stale';
    this.forgetExpired(nowMs);
    const key = Buffer.from(nonce.buffer, nonce.byteOffset, nonce.length).toString('latin1');
    if (this.seen.has(key)) return 'replayed';
    if (this.seen.size >= this.noncesMax) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
    // Accepted while sentAtMs + windowMs is ahead, and sentAtMs >= nowMs - windowMs here.
    this.seen.set(key, nowMs + 2 * this.windowMs);
    return undefined;
  }

  private forgetExpired(nowMs: number): void {
    // Arrival order is close to expiry order; stop at the first entry still needed.
    for (const [key, expiresAtMs] of this.seen) {
      if (expiresAtMs > nowMs) break;
      this.seen.delete(key);
    }
  }
}
