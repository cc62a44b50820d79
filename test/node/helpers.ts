/** Bounded waiting and small clusters on 127.0.0.1 for the node tests. */
import {
  createNode,
  type MeshNode,
  type MeshNodeEvents,
  type NodeOptions,
  type ProtocolConfig,
} from '../../src/index.js';

/** The 'local' preset with even shorter timers, so a test cluster converges in well under a second. */
export const FAST: Partial<ProtocolConfig> = {
  probeIntervalMs: 100,
  probeTimeoutMs: 40,
  suspicionMult: 2,
  gossipIntervalMs: 20,
  pushPullIntervalMs: 2000,
  leaveTimeoutMs: 300,
  viewDelayMs: 150,
  settleQuietMs: 200,
};

const EVENTS = ['rebalance', 'settled', 'join', 'leave', 'fail', 'update', 'suspect', 'recover'] as const;

/**
 * Resolves once `check()` holds, re-checking on every event of `nodes` (and
 * every 25 ms for state that changes without an event); rejects after
 * `timeoutMs` with `what` in the message.
 */
export function waitUntil(
  nodes: readonly MeshNode[],
  check: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) {
      resolve();
      return;
    }
    const started = Date.now();
    const cleanup = () => {
      clearTimeout(timer);
      clearInterval(poll);
      for (const node of nodes) for (const name of EVENTS) node.off(name, recheck);
    };
    const recheck = () => {
      let ok = false;
      try {
        ok = check();
      } catch (error) {
        cleanup();
        reject(error);
        return;
      }
      if (ok) {
        cleanup();
        resolve();
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${Date.now() - started} ms waiting for ${what}`));
    }, timeoutMs);
    const poll = setInterval(recheck, 25);
    for (const node of nodes) for (const name of EVENTS) node.on(name, recheck);
  });
}

/** Resolves with the first emission of `event` on `node` that passes `accept`; rejects after `timeoutMs`. */
export function nextEvent<K extends keyof MeshNodeEvents>(
  node: MeshNode,
  event: K,
  accept: (...args: MeshNodeEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<MeshNodeEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: MeshNodeEvents[K]) => {
      if (!accept(...args)) return;
      clearTimeout(timer);
      node.off(event, listener as never);
      resolve(args[0]);
    };
    const timer = setTimeout(() => {
      node.off(event, listener as never);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}" on ${node.id}`));
    }, timeoutMs);
    node.on(event, listener as never);
  });
}

/** Creates nodes and remembers them so that closeAll() can clean up after each test. */
export class Cluster {
  readonly nodes: MeshNode[] = [];

  async start(options: Partial<NodeOptions> = {}): Promise<MeshNode> {
    const node = await createNode({
      key: 'test',
      env: 'unit',
      bind: { host: '127.0.0.1', port: 0 },
      preset: 'local',
      config: FAST,
      joinTimeoutMs: 3000,
      ...options,
    });
    this.nodes.push(node);
    return node;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map((node) => node.close()));
  }
}

/** True when every node sees the same settled view of `total` threads. */
export function converged(nodes: readonly MeshNode[], total: number): boolean {
  const first = nodes[0]?.indices();
  if (first === undefined) return false;
  return nodes.every((node) => {
    const i = node.indices();
    return i.total === total && i.settled && i.viewId === first.viewId && i.index >= 0;
  });
}
