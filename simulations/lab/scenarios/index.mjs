// The lab's scenarios, in the order of the issue that defines them.
import crash from './crash.mjs';
import fastRestart from './fast-restart.mjs';
import flappingLink from './flapping-link.mjs';
import forgedPackets from './forged-packets.mjs';
import longPartition from './long-partition.mjs';
import lossEverywhere from './loss-everywhere.mjs';
import lossyHost from './lossy-host.mjs';
import pause from './pause.mjs';
import rollingRestart from './rolling-restart.mjs';

export const scenarios = [
  crash,
  lossEverywhere,
  lossyHost,
  flappingLink,
  longPartition,
  pause,
  fastRestart,
  rollingRestart,
  forgedPackets,
];

/** Scenarios that wait on features the runtime does not have yet. */
export const pending = [];
