// Summaries shared by the loopback benchmark and the race against memberlist.
// The spread follows the memberlist harness (main.go, dist): the median of an
// even count is the mean of the two middle values, p90 is the value at rank
// ceil(0.9 n), and members that never saw the event are counted as missing.

/** Median of finite numbers; undefined for none. */
export function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** First, median, p90 and last of per-node delays (ms); undefined entries count as missing. */
export function spread(delaysMs) {
  const seen = delaysMs.filter((delay) => delay !== undefined).sort((a, b) => a - b);
  const out = { count: seen.length, missing: delaysMs.length - seen.length };
  if (seen.length === 0) return out;
  return {
    ...out,
    firstMs: seen[0],
    medianMs: median(seen),
    p90Ms: seen[Math.ceil(0.9 * seen.length) - 1],
    maxMs: seen[seen.length - 1],
  };
}

/** For every numeric key of the first run: the median over the runs. */
export function mediansOver(runs) {
  const out = {};
  if (runs.length === 0) return out;
  for (const key of Object.keys(runs[0])) {
    if (typeof runs[0][key] !== 'number') continue;
    out[key] = median(runs.map((run) => run[key]));
  }
  return out;
}
