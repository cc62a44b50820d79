/**
 * A static node: a fixed placement (index and total) given at creation, no
 * network at all. It answers every MeshNode call from that placement, so an
 * application runs unchanged with or without a cluster.
 */
import { StateError } from '../core/errors.js';
import type { Metadata } from '../core/types.js';
import { checkUserEvent } from '../core/user-events-rules.js';
import type { Logger } from '../runtime/logger.js';
import { MeshNode, NOT_IN_VIEW } from './mesh-node.js';
import type { ResolvedOptions } from './options.js';
import { emptyStats } from './stats.js';
import type { Indices, MemberInfo, NodeStats } from './types.js';

export class StaticNode extends MeshNode {
  readonly isStatic = true;
  /** Lamport time of the next user event: this node is the whole cluster, so a counter. */
  private eventLtime = 0;

  /** @internal Use createNode(). */
  constructor(options: ResolvedOptions, logger: Logger, placement: NonNullable<ResolvedOptions['static']>) {
    super(options, logger, '', { index: placement.index, total: placement.total, settled: true });
  }

  indices(): Indices {
    return {
      index: this.lifecycle === 'left' ? NOT_IN_VIEW : this.lastIndex,
      threads: this.options.threads,
      total: this.lastTotal,
      viewId: 0,
      // As in network mode: a node that left (or closed) no longer vouches for any view.
      settled: this.lifecycle === 'running' && this.settledFlag,
    };
  }

  members(): MemberInfo[] {
    if (this.lifecycle === 'left') return [];
    return [
      {
        id: this.id,
        address: this.address,
        threads: this.options.threads,
        index: this.lastIndex,
        state: 'alive',
        incarnation: 0,
        metadata: this.metadata,
        rttMs: undefined,
      },
    ];
  }

  member(id: string): MemberInfo | undefined {
    return id === this.id ? this.members()[0] : undefined;
  }

  stats(): NodeStats {
    return emptyStats();
  }

  protected formClusterOfOne(): void {
    // A fixed placement has no view to enter.
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'running' || this.lifecycle === 'leaving') this.lifecycle = 'closed';
    this.reportClosed();
  }

  forceLeave(_id: string): boolean {
    if (this.lifecycle !== 'running')
      throw new StateError(`cannot force a leave: the node is ${this.lifecycle}`);
    throw new StateError('static mode has no other members');
  }

  /** The cluster is this node alone: the event is delivered here and goes nowhere else. */
  broadcast(name: string, payload: string | Uint8Array = ''): number {
    if (this.lifecycle !== 'running') throw new StateError(`cannot broadcast: the node is ${this.lifecycle}`);
    const bytes = checkUserEvent(name, payload, this.options.config.userEventPayloadBytesMax);
    const ltime = this.eventLtime++;
    this.safeEmit('event', { name, payload: bytes, from: this.id, ltime });
    return ltime;
  }

  /** There is no cluster to join. */
  protected joinThrough(): Promise<void> {
    return Promise.resolve();
  }

  /** Nobody to tell: the metadata is only kept. */
  protected announceMetadata(_metadata: Metadata): void {}

  protected async leaveWithin(): Promise<void> {
    this.lifecycle = 'left';
    this.emitRebalanceIfChanged(NOT_IN_VIEW, this.lastTotal);
    this.reportClosed();
  }
}
