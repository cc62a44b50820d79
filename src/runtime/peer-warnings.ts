/**
 * One warning log line per peer address per minute for the drop reasons the
 * drop table marks `peerWarning` (a plain node beside encrypted ones, a
 * wrong key, a skewed clock, a replay): counted drops alone would let such a
 * cluster split in silence. Bounded in peers remembered, so a spray from
 * many forged source addresses cannot grow memory or flood the log.
 */
import { parseAddress } from '../core/address.js';
import { DROP_REASONS, type DropReasonName } from '../core/drops.js';
import type { Channel } from '../core/host.js';
import type { Logger } from './logger.js';

export const PEER_WARNING_INTERVAL_MS = 60_000;
/** Peers remembered at once; a new peer beyond that is counted but not logged until room frees up. */
export const PEER_WARNING_PEERS_MAX = 256;

const HINTS: Partial<Record<DropReasonName, string>> = {
  'not-encrypted': 'the peer sends plain packets while this node requires encryption (verify-incoming)',
  'no-key': 'the peer sends encrypted packets and this node has no key',
  'bad-tag': 'no installed key opens the peer’s packets: another key, or forged or altered bytes',
  stale:
    'the peer’s clock differs from this one by more than the replay window, or a packet was replayed late',
  replayed: 'the same sealed packet arrived twice: a replay',
};

interface PeerEntry {
  lastWarnedAtMs: number;
  /** Drops since the last line. */
  suppressed: number;
}

export class PeerDropWarnings {
  private readonly peers = new Map<string, PeerEntry>();

  constructor(
    private readonly logger: Logger,
    private readonly clockMs: () => number,
  ) {}

  /**
   * Records one drop of `reason` from `address`, logging when this peer has
   * not been warned about for a minute. A TCP peer is known by its host
   * alone: its source port is a new ephemeral one on every connection.
   */
  note(reason: DropReasonName, address: string, channel: Channel = 'datagram'): void {
    if (!('peerWarning' in DROP_REASONS[reason])) return;
    const peer = channel === 'stream' ? `${parseAddress(address)?.host ?? address} over TCP` : address;
    this.warn(reason, peer);
  }

  private warn(reason: DropReasonName, address: string): void {
    const now = this.clockMs();
    const entry = this.peers.get(address);
    if (entry !== undefined && now - entry.lastWarnedAtMs < PEER_WARNING_INTERVAL_MS) {
      entry.suppressed++;
      return;
    }
    if (entry === undefined && !this.roomFor(now)) return;
    const suppressed = entry?.suppressed ?? 0;
    this.peers.set(address, { lastWarnedAtMs: now, suppressed: 0 });
    this.logger.warn(
      { peer: address, reason, droppedSinceLastWarning: suppressed },
      `dropped input from ${address}: ${HINTS[reason] ?? DROP_REASONS[reason].meaning}`,
    );
  }

  private roomFor(now: number): boolean {
    if (this.peers.size < PEER_WARNING_PEERS_MAX) return true;
    for (const [address, entry] of this.peers) {
      if (now - entry.lastWarnedAtMs >= PEER_WARNING_INTERVAL_MS) this.peers.delete(address);
    }
    return this.peers.size < PEER_WARNING_PEERS_MAX;
  }
}
