/** The codec a node sends and receives with: sealing over msgpack, under the node's label and limits. */

import { Keyring } from '../codec/keyring.js';
import { clusterLabel } from '../codec/label.js';
import { SealingCodec } from '../codec/sealing-codec.js';
import type { ResolvedOptions } from './options.js';

export function sealingCodecFor(options: ResolvedOptions): SealingCodec {
  const { config, encryption } = options;
  return new SealingCodec({
    label: clusterLabel(options.key, options.env),
    packetLimits: { packetBytesMax: config.packetBytesMax, metadataBytesMax: config.metadataBytesMax },
    stateLimits: {
      stateBytesMax: options.transport.stateBytesMax,
      membersMax: config.membersMax,
      metadataBytesMax: config.metadataBytesMax,
    },
    keyring: new Keyring(options.keys),
    verification: {
      ...(encryption.verifyIncoming === undefined ? {} : { incoming: encryption.verifyIncoming }),
      ...(encryption.verifyOutgoing === undefined ? {} : { outgoing: encryption.verifyOutgoing }),
    },
    ...(encryption.replayWindowMs === undefined ? {} : { replayWindowMs: encryption.replayWindowMs }),
  });
}
