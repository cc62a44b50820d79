// What every scenario returns: checks (a measured figure against its bound)
// and figures (a lab figure beside the simulator's, for the model check).

export function seconds(ms) {
  return ms === null || ms === undefined ? 'never' : `${(ms / 1000).toFixed(2)} s`;
}

/** A time that must stay at or under its bound; null (it never happened) fails. */
export function withinMs(what, measuredMs, boundMs, boundText) {
  return {
    what,
    measured: seconds(measuredMs),
    bound: `<= ${seconds(boundMs)}${boundText ? ` (${boundText})` : ''}`,
    pass: measuredMs !== null && measuredMs !== undefined && measuredMs <= boundMs,
  };
}

/** A count that must stay at or under its bound. */
export function atMost(what, count, bound, boundText) {
  return {
    what,
    measured: String(count),
    bound: `<= ${bound}${boundText ? ` (${boundText})` : ''}`,
    pass: count <= bound,
  };
}

/** A lab figure and how to read the same figure from a simulator run. */
export function figure(what, unit, lab, fromRun) {
  return { what, unit, lab, fromRun };
}

/** First event per observer host matching `filter`, as delay after `sinceMs`. */
export function firstDelays(hosts, sinceMs, filter) {
  return hosts.map((host) => {
    const event = host.events.find((e) => e.ts >= sinceMs && filter(e));
    return event === undefined ? null : event.ts - sinceMs;
  });
}

/** Distinct (member, incarnation) among events of one kind, optionally only about some members. */
export function distinct(lab, kind, sinceMs, untilMs, about = () => true) {
  const keys = new Set();
  for (const e of lab.events((e) => e.event === kind && e.ts >= sinceMs && e.ts <= untilMs && about(e.id))) {
    keys.add(`${e.id}:${e.incarnation}`);
  }
  return keys.size;
}

export function sumTotals(lab) {
  let suspicions = 0;
  let refutations = 0;
  for (const host of lab.hosts) {
    const t = host.totals();
    suspicions += t.suspicions;
    refutations += t.refutations;
  }
  return { suspicions, refutations };
}
