/**
 * The protocol's arithmetic, kept apart so each formula is tested on its own.
 * N is the number of members this node knows to be alive or suspect, itself included.
 */

/** How many times one update is piggybacked: mult * ceil(log10(N + 1)) (memberlist). */
export function retransmitLimit(retransmitMult: number, memberCount: number): number {
  return retransmitMult * Math.ceil(Math.log10(Math.max(0, memberCount) + 1));
}

/**
 * Sends of an update the cluster has already, or whose subject tells every
 * member itself (a row of a join answer, a joiner's announcement): half the
 * epidemic's. Its copies only repair what the direct datagrams
 * lost, and a node that missed its datagram still gets about this many
 * copies from the others.
 */
export function backupRetransmitLimit(retransmitMult: number, memberCount: number): number {
  return Math.ceil(retransmitLimit(retransmitMult, memberCount) / 2);
}

/** Lifeguard's floor: mult * max(1, log10 N) * probe interval. */
export function suspicionTimeoutMinMs(
  suspicionMult: number,
  memberCount: number,
  probeIntervalMs: number,
): number {
  const scale = Math.max(1, Math.log10(Math.max(1, memberCount)));
  return Math.round(suspicionMult * scale * probeIntervalMs);
}

/**
 * Lifeguard's dynamic suspicion timeout: starts at max and falls towards min
 * as independent confirmations arrive; with k expected confirmations,
 * timeout(c) = max - (max - min) * log(c + 1) / log(k + 1), never below min.
 */
export function suspicionTimeoutMs(
  confirmations: number,
  expectedConfirmations: number,
  minMs: number,
  maxMs: number,
): number {
  if (expectedConfirmations < 1) return minMs;
  const fraction = Math.log(confirmations + 1) / Math.log(expectedConfirmations + 1);
  const raw = Math.floor(maxMs - fraction * (maxMs - minMs));
  return Math.max(minMs, raw);
}

/**
 * Below Lifeguard's minimum when many look (meshnode's extension): past the
 * k' = max(2, k) confirmations that reach the minimum, each further one
 * shortens the timeout, timeout(c) = min * (k' + 1) / (c + 1), never below
 * floorMs; up to k' confirmations it sets no bound (infinity). Reaching it
 * takes c + 1 members whose own probes, direct, indirect and over TCP, all
 * failed: at 10% independent loss one probe fails with p of about
 * 0.19 * 0.34^3 = 0.0075, all four of c = 3 with p^4 of about 3e-9, against
 * the one observer's 0.0075 that Lifeguard's floor guards against.
 */
export function manyObserversTimeoutMs(
  confirmations: number,
  expectedConfirmations: number,
  minMs: number,
  floorMs: number,
): number {
  const lifeguardEnough = Math.max(2, expectedConfirmations);
  if (confirmations <= lifeguardEnough) return Number.POSITIVE_INFINITY;
  return Math.max(floorMs, Math.floor((minMs * (lifeguardEnough + 1)) / (confirmations + 1)));
}

/**
 * Confirmations a suspicion waits for before it reaches its minimum timeout:
 * suspicionMult - 2, or none when the cluster is too small to provide them
 * (neither this node nor the suspect can confirm).
 */
export function expectedConfirmations(suspicionMult: number, memberCount: number): number {
  const k = suspicionMult - 2;
  return memberCount - 2 < k ? 0 : Math.max(0, k);
}

/**
 * Push-pull period grows with the cluster above 32 members so the total sync
 * load stays bounded (memberlist's pushPullScale).
 */
export function pushPullIntervalMs(baseMs: number, memberCount: number): number {
  const threshold = 32;
  if (memberCount <= threshold) return baseMs;
  const multiplier = Math.ceil(Math.log2(memberCount) - Math.log2(threshold)) + 1;
  return baseMs * multiplier;
}

/**
 * The coordinated view delay grows slowly with N, because dissemination
 * takes O(log N) gossip rounds: base * max(1, log10(N + 1) / 2).
 */
export function viewDelayMs(baseMs: number, memberCount: number): number {
  return Math.round(baseMs * Math.max(1, Math.log10(memberCount + 1) / 2));
}

/**
 * How long a full-state sync may take before it counts as failed: five
 * protocol periods, at least a second. The runtime's TCP path and the
 * simulator both use it, so a sync to a node behind a bad link fails (and
 * stays failed) the same way in both.
 */
export function syncTimeoutMs(probeIntervalMs: number): number {
  return Math.max(1000, 5 * probeIntervalMs);
}
