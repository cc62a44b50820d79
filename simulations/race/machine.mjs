// The machine the benchmarks share: how busy it is (other processes distort
// timings on two cores), read from /proc/stat as the memberlist harness's
// run.sh does.
import { readFileSync } from 'node:fs';

/** Busy and total jiffies over all cores (idle and iowait are not busy). */
export function cpuJiffies() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - fields[3] - (fields[4] ?? 0), total };
}

/** Fraction (0..1) of all cores busy between two cpuJiffies() readings. */
export function busyBetween(before, after) {
  return (after.busy - before.busy) / Math.max(1, after.total - before.total);
}

/** Fraction (0..1) of all cores busy over `sampleMs`. */
export async function busyFraction(sampleMs) {
  const before = cpuJiffies();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  return busyBetween(before, cpuJiffies());
}

/**
 * Waits until the machine is idle-ish (below `busyMax` over one sample), at
 * most `samplesMax` samples; returns the last busy fraction seen, so a run
 * that had to start on a busy machine says so.
 */
export async function waitUntilIdle({ busyMax = 0.15, sampleMs = 2000, samplesMax = 30 } = {}) {
  let busy = 1;
  for (let sample = 0; sample < samplesMax; sample++) {
    busy = await busyFraction(sampleMs);
    if (busy < busyMax) break;
  }
  return Number(busy.toFixed(2));
}
