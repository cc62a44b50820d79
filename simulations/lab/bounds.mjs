// The pass/fail bounds of the lab, all from the protocol's own formulas
// (src/core/formulas.ts, src/sim/bounds.ts) for the preset and host count in
// use, so the lab and the simulator's property tests hold the runtime to
// the same numbers. With P the probe interval and N the hosts:
//
//   Smin, Smax  Lifeguard's suspicion timeout floor and start
//   D           an update reaches every live node: (R + 1) x gossip interval + 2 P
//   detect      every survivor declares a crash: (2N - 1) P + P + Smax + D
//   view        the coordinated view delay, scaled with N
//   agree       one settled view after the last change: detect + 2 view + settle quiet
//   heal        both sides of a partition in one view: push-pull + Smax + 2 D + view
import { viewDelayMs } from '../../dist/core/formulas.js';
import { presets } from '../../dist/index.js';
import {
  detectionBoundMs,
  disseminationBoundMs,
  healBoundMs,
  suspicionMaxMs,
  suspicionMinMs,
} from '../../dist/sim/index.js';

export function labBounds(preset, nodes) {
  const config = presets[preset];
  if (config === undefined) throw new RangeError(`unknown preset ${preset}`);
  const view = viewDelayMs(config.viewDelayMs, nodes);
  const detect = detectionBoundMs(config, nodes);
  return {
    preset,
    nodes,
    config,
    p: config.probeIntervalMs,
    smin: suspicionMinMs(config, nodes),
    smax: suspicionMaxMs(config, nodes),
    dissemination: disseminationBoundMs(config, nodes),
    detect,
    view,
    rebalance: detect + view,
    agree: detect + 2 * view + config.settleQuietMs,
    heal: healBoundMs(config, nodes),
  };
}
