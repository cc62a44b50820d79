// Runs inside one host's namespace (the lab cannot reach a namespace's
// loopback from outside) and prints one JSON line per sample of the agent's
// status API on that loopback: the view, the indices and the settled flag
// every --interval ms, the suspicion and refutation counters every second.
// One request at a time, each with a timeout, so a stopped agent yields
// "down" samples instead of a pile of pending requests.
//
//   node sampler.mjs --port 7947 --interval 100 --duration 600000
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? Number(args[at + 1]) : fallback;
};
const port = flag('--port', 7947);
const intervalMs = flag('--interval', 100);
const durationMs = flag('--duration', 600_000);
const REQUEST_TIMEOUT_MS = 400;
const METRICS_EVERY_MS = 1000;

const base = `http://127.0.0.1:${port}`;
const write = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);

async function getJson(path) {
  const response = await fetch(base + path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return response.json();
}

async function getCounters() {
  const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  const read = (name) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text);
    return match === null ? null : Number(match[1]);
  };
  return { suspicions: read('meshnode_suspicions_total'), refutations: read('meshnode_refutations_total') };
}

const startedAt = Date.now();
let lastMetricsAt = 0;
while (Date.now() - startedAt < durationMs) {
  const tickAt = Date.now();
  try {
    const members = await getJson('/v1/members');
    const self = members.members.find((m) => m.self);
    write({
      t: Date.now(),
      up: true,
      id: members.id,
      viewId: members.viewId,
      total: members.total,
      settled: members.settled,
      index: self === undefined ? -1 : self.index,
      threads: self === undefined ? 0 : self.threads,
      view: members.members.map((m) => [m.id, m.index, m.threads, m.state]),
      departed: members.departed.map((m) => [m.id, m.state, m.incarnation]),
    });
    if (tickAt - lastMetricsAt >= METRICS_EVERY_MS) {
      lastMetricsAt = tickAt;
      write({ t: Date.now(), counters: await getCounters() });
    }
  } catch {
    write({ t: Date.now(), up: false });
  }
  const waitMs = intervalMs - (Date.now() - tickAt);
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}
