// Pure reading of status samples: do the hosts agree, do two settled hosts
// claim overlapping indices, is a host settled on a view nobody else holds.
// A sample is { host, t, up, viewId, total, settled, index, threads, view }.

/** Whether these samples show one view: same viewId, exactly `ids` in it, `total` threads, all settled if asked. */
export function oneView(samples, { ids, total, settled = true }) {
  if (samples.length === 0 || samples.some((s) => s === undefined || !s.up)) return false;
  const first = samples[0];
  const want = [...ids].sort().join(',');
  return samples.every(
    (s) =>
      s.viewId === first.viewId &&
      s.total === total &&
      (!settled || s.settled) &&
      s.view
        .map(([id]) => id)
        .sort()
        .join(',') === want,
  );
}

/**
 * Walks every host's samples on a common time grid and reports each instant
 * at which two hosts that both report settled hold overlapping index ranges
 * [index, index + threads). A host's sample stands for the grid instant if
 * it is at most `maxAgeMs` old.
 */
export function settledCollisions(samplesByHost, { stepMs = 100, maxAgeMs = 150 } = {}) {
  const all = samplesByHost.flat().filter((s) => s.up);
  if (all.length === 0) return [];
  const start = Math.min(...all.map((s) => s.t));
  const end = Math.max(...all.map((s) => s.t));
  const cursors = samplesByHost.map(() => 0);
  const collisions = [];
  for (let t = start; t <= end; t += stepMs) {
    const current = [];
    samplesByHost.forEach((samples, host) => {
      let at = cursors[host];
      while (at + 1 < samples.length && samples[at + 1].t <= t) at++;
      cursors[host] = at;
      const sample = samples[at];
      if (sample !== undefined && sample.t <= t && t - sample.t <= maxAgeMs && sample.up && sample.settled) {
        if (sample.index >= 0) current.push(sample);
      }
    });
    for (let a = 0; a < current.length; a++) {
      for (let b = a + 1; b < current.length; b++) {
        const x = current[a];
        const y = current[b];
        if (x.index < y.index + y.threads && y.index < x.index + x.threads) {
          collisions.push({ t, hosts: [x.host, y.host], ranges: [rangeText(x), rangeText(y)] });
        }
      }
    }
  }
  return collisions;
}

function rangeText(sample) {
  return `h${sample.host} [${sample.index}, ${sample.index + sample.threads}) of ${sample.total} view ${sample.viewId}`;
}

/**
 * Samples of one host, taken after `sinceMs`, in which it reports settled on
 * a view that no other up host holds within `maxAgeMs` of that sample: a
 * settled claim about a view the cluster does not have.
 */
export function staleSettled(hostSamples, otherSamples, sinceMs, { maxAgeMs = 300 } = {}) {
  const stale = [];
  for (const sample of hostSamples) {
    if (sample.t < sinceMs || !sample.up || !sample.settled) continue;
    const near = otherSamples.filter((o) => o.up && Math.abs(o.t - sample.t) <= maxAgeMs);
    if (near.length > 0 && !near.some((o) => o.viewId === sample.viewId)) stale.push(sample);
  }
  return stale;
}

export function quantiles(values) {
  if (values.length === 0) return { first: null, median: null, max: null, count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { first: sorted[0], median, max: sorted.at(-1), count: sorted.length };
}
