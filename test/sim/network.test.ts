import { describe, expect, it } from 'vitest';
import { defaultNetwork, Network, type NetworkOptions } from '../../src/sim/network.js';

const options = (overrides: Partial<NetworkOptions> = {}): NetworkOptions => ({
  ...defaultNetwork,
  ...overrides,
});

function fates(network: Network, count: number): number[] {
  const out = [0, 0];
  const copies: number[] = [];
  for (let i = 0; i < count; i++) copies.push(network.datagram(0, 1, out));
  return copies;
}

describe('Network', () => {
  it('draws the same fates from the same seed', () => {
    const lossy = options({ lossProbability: 0.3, duplicateProbability: 0.1 });
    expect(fates(new Network(lossy, 7, 4), 500)).toEqual(fates(new Network(lossy, 7, 4), 500));
    expect(fates(new Network(lossy, 7, 4), 500)).not.toEqual(fates(new Network(lossy, 8, 4), 500));
  });

  it('loses and duplicates at the configured rates', () => {
    const network = new Network(options({ lossProbability: 0.1, duplicateProbability: 0.05 }), 3, 2);
    const result = fates(network, 20_000);
    const lost = result.filter((c) => c === 0).length / result.length;
    const doubled = result.filter((c) => c === 2).length / result.length;
    expect(lost).toBeGreaterThan(0.09);
    expect(lost).toBeLessThan(0.11);
    expect(doubled).toBeGreaterThan(0.04);
    expect(doubled).toBeLessThan(0.06);
  });

  it('keeps delays within base + link spread plus jitter, symmetric per link', () => {
    const network = new Network(
      options({ latency: { baseMs: 2, linkSpreadMs: 3, jitterMeanMs: 0 } }),
      11,
      10,
    );
    for (let a = 0; a < 10; a++) {
      for (let b = 0; b < 10; b++) {
        const d = network.linkDelayMs(a, b);
        expect(d).toBeGreaterThanOrEqual(2);
        expect(d).toBeLessThan(5);
        expect(network.linkDelayMs(b, a)).toBe(d);
        expect(network.delayMs(a, b)).toBe(d);
      }
    }
  });

  it('holds some packets back when reordering', () => {
    const network = new Network(
      options({
        latency: { baseMs: 1, linkSpreadMs: 0, jitterMeanMs: 0 },
        reorderProbability: 0.5,
        reorderDelayMs: 10,
      }),
      5,
      2,
    );
    const out = [0, 0];
    const delays: number[] = [];
    for (let i = 0; i < 200; i++) {
      network.datagram(0, 1, out);
      delays.push(out[0] as number);
    }
    expect(delays.filter((d) => d === 1).length).toBeGreaterThan(60);
    expect(delays.filter((d) => d > 1).length).toBeGreaterThan(60);
    expect(Math.max(...delays)).toBeLessThanOrEqual(11);
  });

  it('cuts both directions of a partition, one direction of a one-way one, and heals', () => {
    const network = new Network(defaultNetwork, 1, 6);
    const symmetric = network.partition({ groupA: [0, 1] });
    expect(network.blocked(0, 4)).toBe(true);
    expect(network.blocked(4, 0)).toBe(true);
    expect(network.blocked(0, 1)).toBe(false);
    expect(network.blocked(3, 4)).toBe(false);
    network.heal(symmetric);
    expect(network.blocked(0, 4)).toBe(false);
    network.partition({ groupA: [0], groupB: [5], oneWay: true });
    expect(network.blocked(0, 5)).toBe(true);
    expect(network.blocked(5, 0)).toBe(false);
    expect(network.blocked(0, 4)).toBe(false);
    expect(network.separated(5, 0)).toBe(true);
    expect(network.datagram(0, 5, [0, 0])).toBe(0);
    network.heal();
    expect(network.activePartitions).toBe(0);
  });

  it('rejects probabilities outside [0, 1] and slots outside the network', () => {
    expect(() => new Network(options({ lossProbability: 1.5 }), 1, 2)).toThrow(/lossProbability/);
    expect(() => new Network(defaultNetwork, 1, 2).partition({ groupA: [2] })).toThrow(/slot 2/);
  });
});
