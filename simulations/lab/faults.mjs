// Network faults as nftables rules in the bridge namespace: every packet
// between two hosts crosses the bridge's forward hook, so one table there
// decides the fate of every link, and a dropped packet is silently lost for
// both ends (a drop in a sender's own output hook would make its send() fail
// with EPERM, which real networks never do). Each change replaces the whole
// table in one nft transaction, so a flapping link never sees a half state.
import { run, tryRun } from './shell.mjs';
import { SUBNET } from './topology.mjs';

const TABLE = 'mnlab';
const CHAIN = 'links';

const set = (addresses) => (addresses.length === 1 ? addresses[0] : `{ ${addresses.join(', ')} }`);

function checkPercent(percent) {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new RangeError(`loss percent must be an integer in 0..100, got ${percent}`);
  }
}

/** Random loss of `percent`% on every link between lab hosts. */
export function lossEverywhere(percent) {
  checkPercent(percent);
  return [`ip saddr ${SUBNET} ip daddr ${SUBNET} numgen random mod 100 < ${percent} counter drop`];
}

/** Random loss of `percent`% on everything a host sends and everything sent to it. */
export function lossAtHost(address, percent) {
  checkPercent(percent);
  return [
    `ip saddr ${address} numgen random mod 100 < ${percent} counter drop`,
    `ip daddr ${address} numgen random mod 100 < ${percent} counter drop`,
  ];
}

/** Cuts traffic from group A to group B; with `symmetric`, B to A as well. */
export function cut(groupA, groupB, { symmetric = true } = {}) {
  if (groupA.length === 0 || groupB.length === 0) throw new RangeError('a cut needs two non-empty groups');
  const rules = [`ip saddr ${set(groupA)} ip daddr ${set(groupB)} counter drop`];
  if (symmetric) rules.push(`ip saddr ${set(groupB)} ip daddr ${set(groupA)} counter drop`);
  return rules;
}

/**
 * The faults of one scenario, by name. `apply` writes them all; the history
 * keeps every ruleset applied, with its time, for the failure report.
 */
export class FaultTable {
  constructor(bridgeNs) {
    this.bridgeNs = bridgeNs;
    this.active = new Map();
    this.history = [];
  }

  set(name, rules) {
    this.active.set(name, rules);
    this.apply();
  }

  clear(name) {
    if (this.active.delete(name)) this.apply();
  }

  clearAll() {
    this.active.clear();
    this.apply();
  }

  render() {
    const rules = [...this.active.entries()].flatMap(([name, lines]) =>
      lines.map((line) => `    ${line} comment "${name}"`),
    );
    return [
      `table bridge ${TABLE} {}`,
      `delete table bridge ${TABLE}`,
      `table bridge ${TABLE} {`,
      `  chain ${CHAIN} {`,
      '    type filter hook forward priority 0; policy accept;',
      ...rules,
      '  }',
      '}',
      '',
    ].join('\n');
  }

  apply() {
    const text = this.render();
    // Keep what the outgoing ruleset did (its counters) for the failure report.
    const previous = this.history.at(-1);
    if (previous !== undefined) previous.countersAtEnd = this.listing();
    run('ip', ['netns', 'exec', this.bridgeNs, 'nft', '-f', '-'], text);
    this.history.push({ atMs: Date.now(), faults: [...this.active.keys()], text });
  }

  /** The ruleset as the kernel holds it now, with packet counters. */
  listing() {
    const result = tryRun('ip', ['netns', 'exec', this.bridgeNs, 'nft', 'list', 'ruleset']);
    return result.ok ? result.stdout : `(nft list ruleset failed: ${result.stderr.trim()})`;
  }
}
