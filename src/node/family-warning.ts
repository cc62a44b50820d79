/**
 * An IPv4-only node in a cluster that advertises IPv6 addresses can reach
 * those peers over TCP only: every datagram to them is dropped (counted as
 * 'address-family'), so probes fall back to the stream path and cost more.
 * That works, which is why it goes unnoticed; a warning once per peer says
 * what is happening and how to fix it.
 */
import { isIP } from 'node:net';
import { parseAddress } from '../core/address.js';
import type { Logger } from '../runtime/logger.js';
import type { MemberInfo } from './types.js';

/** Peers warned about at most (then silence), so a churning cluster cannot grow the set without bound. */
const WARNED_PEERS_MAX = 4096;

export class AddressFamilyWarnings {
  private readonly family: 4 | 6;
  private readonly logger: Logger;
  private readonly warned = new Set<string>();

  constructor(socketFamily: 4 | 6, logger: Logger) {
    this.family = socketFamily;
    this.logger = logger;
  }

  /** Warns the first time a peer's address is of a family this node's UDP socket cannot send to. */
  check(member: Pick<MemberInfo, 'id' | 'address'>): boolean {
    if (this.family !== 4 || this.warned.has(member.id) || this.warned.size >= WARNED_PEERS_MAX) return false;
    const host = parseAddress(member.address)?.host;
    if (host === undefined || isIP(host) !== 6) return false;
    this.warned.add(member.id);
    this.logger.warn(
      { member: member.id, address: member.address },
      'peer has an IPv6 address but this node is bound to IPv4: datagrams to it are dropped and it is reached over TCP only; bind to "::" (dual-stack) or advertise an IPv4 address on the peer',
    );
    return true;
  }

  get warnedPeers(): number {
    return this.warned.size;
  }
}
