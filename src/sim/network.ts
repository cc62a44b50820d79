/**
 * The simulated network: per-link latency, loss, duplication, reordering and
 * partitions, every decision drawn from one seeded generator so that a run
 * replays exactly. Nodes are known by their slot number (0..N-1).
 */
import { SeededRandom } from '../core/random.js';

/**
 * One-way delay of a packet: `baseMs` + a per-link constant in
 * [0, linkSpreadMs) (fixed for the run: some pairs are further apart) + an
 * exponentially distributed per-packet jitter with mean `jitterMeanMs`.
 */
export interface LatencyModel {
  readonly baseMs: number;
  readonly linkSpreadMs: number;
  readonly jitterMeanMs: number;
}

export interface NetworkOptions {
  readonly latency: LatencyModel;
  /**
   * Probability that a datagram is lost. Stream (TCP) segments are lost with
   * the same probability but retransmitted: each loss costs a retransmission
   * timeout (1 s for a SYN, 200 ms for data, doubling on repeated loss).
   */
  readonly lossProbability: number;
  /** Probability that a datagram is delivered twice (each copy with its own delay). */
  readonly duplicateProbability: number;
  /** Probability that a datagram is held back by up to `reorderDelayMs` extra, overtaken by later ones. */
  readonly reorderProbability: number;
  readonly reorderDelayMs: number;
}

/** A lan-like network: 0.1 ms base, up to 0.4 ms per link, 0.05 ms mean jitter, no faults. */
export const defaultNetwork: NetworkOptions = {
  latency: { baseMs: 0.1, linkSpreadMs: 0.4, jitterMeanMs: 0.05 },
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMs: 0,
};

/** Latency presets matching the protocol presets' expectations. */
export const networkLatency: Readonly<Record<'lan' | 'local' | 'wan', LatencyModel>> = {
  lan: defaultNetwork.latency,
  local: { baseMs: 0.02, linkSpreadMs: 0.03, jitterMeanMs: 0.02 },
  wan: { baseMs: 20, linkSpreadMs: 80, jitterMeanMs: 5 },
};

/**
 * Packets between the two groups are dropped while the partition is active.
 * `groupB` defaults to every node not in `groupA`. With `oneWay`, only
 * packets from A to B are dropped (an asymmetric partition: B still reaches A).
 */
export interface PartitionSpec {
  readonly groupA: readonly number[];
  readonly groupB?: readonly number[];
  readonly oneWay?: boolean;
}

interface ActivePartition {
  readonly id: number;
  /** 1 = group A, 2 = group B, 0 = neither. */
  readonly side: Uint8Array;
  readonly oneWay: boolean;
}

export function validateNetworkOptions(options: NetworkOptions): void {
  const probabilities: [string, number][] = [
    ['lossProbability', options.lossProbability],
    ['duplicateProbability', options.duplicateProbability],
    ['reorderProbability', options.reorderProbability],
  ];
  for (const [name, value] of probabilities) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${value}`);
  }
  const delays: [string, number][] = [
    ['latency.baseMs', options.latency.baseMs],
    ['latency.linkSpreadMs', options.latency.linkSpreadMs],
    ['latency.jitterMeanMs', options.latency.jitterMeanMs],
    ['reorderDelayMs', options.reorderDelayMs],
  ];
  for (const [name, value] of delays) {
    if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`${name} must be a finite number >= 0`);
  }
}

/** A 32-bit integer hash of two slots and a salt (used for the per-link constant). */
function linkHash(from: number, to: number, salt: number): number {
  let h = Math.imul(from ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(to ^ 0xc2b2ae35, 0x27d4eb2f) ^ salt;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Network {
  readonly options: NetworkOptions;
  private readonly random: SeededRandom;
  private readonly salt: number;
  private readonly nodes: number;
  private partitions: ActivePartition[] = [];
  private nextPartitionId = 1;
  /** Extra loss on every datagram to or from a slot (a node behind a bad link); 0 for most. */
  private readonly nodeLoss: Float64Array;
  private lossyNodes = 0;

  constructor(options: NetworkOptions, seed: number, nodes: number) {
    validateNetworkOptions(options);
    this.options = options;
    this.random = new SeededRandom(seed);
    this.salt = this.random.nextUint32();
    this.nodes = nodes;
    this.nodeLoss = new Float64Array(nodes);
  }

  /** Sets the loss probability of every datagram to or from `slot` (0 ends it). */
  setNodeLoss(slot: number, probability: number): void {
    if (!(probability >= 0 && probability <= 1))
      throw new RangeError(`loss must be in [0, 1], got ${probability}`);
    const before = this.checkSlot(slot, this.nodeLoss)[slot] as number;
    if (before > 0) this.lossyNodes--;
    if (probability > 0) this.lossyNodes++;
    this.nodeLoss[slot] = probability;
  }

  /** The loss a datagram from `from` to `to` suffers on top of the network's (either end's bad link). */
  private extraLoss(from: number, to: number): number {
    if (this.lossyNodes === 0) return 0;
    const a = this.nodeLoss[from] as number;
    const b = this.nodeLoss[to] as number;
    // Independent losses on the two ends' links.
    return 1 - (1 - a) * (1 - b);
  }

  /** A uniform draw in [0, 1) from the network's generator. */
  uniform(): number {
    return this.random.nextUint32() / 0x1_0000_0000;
  }

  /** The per-link constant part of the delay, stable for the run. */
  linkDelayMs(from: number, to: number): number {
    const { baseMs, linkSpreadMs } = this.options.latency;
    if (linkSpreadMs === 0) return baseMs;
    // Links are symmetric: order the pair.
    const h = from < to ? linkHash(from, to, this.salt) : linkHash(to, from, this.salt);
    return baseMs + (h / 0x1_0000_0000) * linkSpreadMs;
  }

  /** One draw of the one-way delay from `from` to `to`. */
  delayMs(from: number, to: number): number {
    const jitterMean = this.options.latency.jitterMeanMs;
    let delay = this.linkDelayMs(from, to);
    if (jitterMean > 0) delay += -Math.log(1 - this.uniform()) * jitterMean;
    return delay;
  }

  /**
   * Fate of one datagram: writes the delay of each delivered copy into `out`
   * and returns how many copies arrive (0 when lost or partitioned, 2 when duplicated).
   */
  datagram(from: number, to: number, out: number[]): number {
    if (this.blocked(from, to)) return 0;
    const o = this.options;
    if (o.lossProbability > 0 && this.uniform() < o.lossProbability) return 0;
    const extra = this.extraLoss(from, to);
    if (extra > 0 && this.uniform() < extra) return 0;
    out[0] = this.withReorder(this.delayMs(from, to));
    if (o.duplicateProbability > 0 && this.uniform() < o.duplicateProbability) {
      out[1] = this.withReorder(this.delayMs(from, to));
      return 2;
    }
    return 1;
  }

  private withReorder(delay: number): number {
    const o = this.options;
    if (o.reorderProbability > 0 && this.uniform() < o.reorderProbability) {
      return delay + this.uniform() * o.reorderDelayMs;
    }
    return delay;
  }

  /**
   * Delay of one TCP message from `from` to `to`: with `handshake`, a fresh
   * connection (SYN, SYN-ACK, then the data with the handshake's ACK: three
   * one-way trips); without, the data alone on an open connection. Lost
   * segments are retransmitted after Linux's timeouts (TCP_TIMEOUT_INIT 1 s
   * for the handshake, TCP_RTO_MIN 200 ms for data), doubling each time.
   */
  streamDelayMs(from: number, to: number, handshake: boolean): number {
    if (!handshake) return this.segmentMs(from, to, 200);
    return this.segmentMs(from, to, 1000) + this.segmentMs(to, from, 1000) + this.segmentMs(from, to, 200);
  }

  private segmentMs(from: number, to: number, rtoMs: number): number {
    let delay = this.delayMs(from, to);
    const extra = this.extraLoss(from, to);
    const loss =
      extra > 0 ? 1 - (1 - this.options.lossProbability) * (1 - extra) : this.options.lossProbability;
    if (loss <= 0) return delay;
    // Give up counting after a few retries: the connection would time out anyway.
    for (let rto = rtoMs, tries = 0; tries < 6 && this.uniform() < loss; tries++, rto *= 2) delay += rto;
    return delay;
  }

  /** Whether a packet from `from` to `to` is dropped by an active partition. */
  blocked(from: number, to: number): boolean {
    const partitions = this.partitions;
    if (partitions.length === 0) return false;
    for (let i = 0; i < partitions.length; i++) {
      const p = partitions[i] as ActivePartition;
      const a = p.side[from];
      const b = p.side[to];
      if (a === 1 && b === 2) return true;
      if (!p.oneWay && a === 2 && b === 1) return true;
    }
    return false;
  }

  /** Whether the two slots were separated by any active partition, in either direction. */
  separated(a: number, b: number): boolean {
    return this.blocked(a, b) || this.blocked(b, a);
  }

  get activePartitions(): number {
    return this.partitions.length;
  }

  /** Starts a partition; returns its id for `heal`. */
  partition(spec: PartitionSpec): number {
    const side = new Uint8Array(this.nodes);
    if (spec.groupB === undefined) side.fill(2);
    else for (const slot of spec.groupB) this.checkSlot(slot, side)[slot] = 2;
    for (const slot of spec.groupA) this.checkSlot(slot, side)[slot] = 1;
    const id = this.nextPartitionId++;
    this.partitions = [...this.partitions, { id, side, oneWay: spec.oneWay === true }];
    return id;
  }

  /** Ends one partition (or all of them without an id). */
  heal(id?: number): void {
    this.partitions = id === undefined ? [] : this.partitions.filter((p) => p.id !== id);
  }

  private checkSlot<T extends Uint8Array | Float64Array>(slot: number, side: T): T {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.nodes) {
      throw new RangeError(`network fault names slot ${slot}, outside 0..${this.nodes - 1}`);
    }
    return side;
  }
}
