/**
 * What a running agent lets `meshnode leave`, `force-leave`, `tags`, `keys`
 * and `event` do (see src/status/control.ts and keys-control.ts).
 */
import { ValidationError } from '../core/errors.js';
import type { Metadata } from '../core/types.js';
import type { MeshNode } from '../node/node.js';
import type { AgentControl } from '../status/control.js';
import type { KeysControl } from '../status/keys-control.js';

/** Metadata entries a single tags call may name, set and delete together. */
const TAG_CHANGES_MAX = 256;

export function createAgentControl(agent: {
  /** The node, once started. */
  readonly node: () => MeshNode | undefined;
  /** Starts the graceful leave that ends the agent. */
  readonly leave: (reason: string) => void;
}): AgentControl {
  const started = (): MeshNode => {
    const node = agent.node();
    if (node === undefined) throw new ValidationError('the agent is still starting');
    return node;
  };
  return {
    leave: () => {
      started();
      agent.leave('leave command');
    },
    forceLeave: (id) => started().forceLeave(id),
    broadcast: (name, payload) => started().broadcast(name, payload),
    async updateTags(set, remove) {
      const node = started();
      if (Object.keys(set).length + remove.length > TAG_CHANGES_MAX)
        throw new ValidationError(`at most ${TAG_CHANGES_MAX} tag changes at once`);
      const next: Record<string, string> = { ...(node.member(node.id)?.metadata ?? {}) };
      for (const key of remove) delete next[key];
      Object.assign(next, set);
      await node.setMetadata(next);
      return node.member(node.id)?.metadata ?? (next as Metadata);
    },
    keys: keysControl(started),
  };
}

function keysControl(started: () => MeshNode): KeysControl {
  return {
    status: () => started().keyring.status(),
    install: (key) => started().keyring.install(key),
    use: (keyOrId) => started().keyring.use(keyOrId),
    remove: (keyOrId) => started().keyring.remove(keyOrId),
    verify: (change) => {
      started().keyring.setSwitches({
        ...(change.incoming === undefined ? {} : { verifyIncoming: change.incoming }),
        ...(change.outgoing === undefined ? {} : { verifyOutgoing: change.outgoing }),
      });
    },
  };
}
