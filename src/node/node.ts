/**
 * createNode: validates the options and makes the node they ask for, a
 * static node (a fixed placement, no network) or a network node (UDP and
 * TCP bound, the protocol started). Both are MeshNodes (mesh-node.ts).
 */
import { formatAddress } from '../core/address.js';
import { bindSockets, closeSockets, resolveBindHost } from '../runtime/bind.js';
import { silentLogger } from '../runtime/logger.js';
import { MeshNode } from './mesh-node.js';
import { NetworkNode } from './network-node.js';
import { type NodeOptions, pickAdvertiseHost, resolveOptions } from './options.js';
import { StaticNode } from './static-node.js';

export { MeshNode };

/** Creates a node: validates options, binds UDP and TCP, starts the protocol (static mode: none of that). */
export async function createNode(options: NodeOptions): Promise<MeshNode> {
  const resolved = resolveOptions(options);
  const logger = options.logger ?? silentLogger;
  if (resolved.static !== undefined) return new StaticNode(resolved, logger, resolved.static);
  const sockets = await bindSockets({ host: resolved.bindHost, port: resolved.bindPort });
  try {
    const port = resolved.advertise?.port ?? sockets.port;
    // Peers accept only IP literals from the wire: an advertised name is resolved once, here.
    const host =
      resolved.advertise?.host !== undefined
        ? (await resolveBindHost(resolved.advertise.host, port)).ip
        : pickAdvertiseHost(sockets.host, sockets.family);
    return new NetworkNode(resolved, logger, sockets, formatAddress(host, port));
  } catch (error) {
    await closeSockets(sockets);
    throw error;
  }
}
