/**
 * Tracks members that failed or left while the node still remembers them:
 * MeshNode.members() lists the view only, so the status API follows the
 * fail / leave events and drops an entry when the member comes back or the
 * node has reaped its tombstone (member(id) is undefined then).
 */
import type { MemberInfo } from '../node/types.js';
import type { StatusNode } from './types.js';

export interface MemberEvents {
  on(event: 'fail' | 'leave' | 'join' | 'recover', listener: (member: MemberInfo) => void): unknown;
}

/** Keeps at most this many departed members (most recent first). */
const DEPARTED_MAX = 1000;

export class DepartedTracker {
  private readonly node: StatusNode;
  private readonly order: string[] = [];

  constructor(node: StatusNode & MemberEvents) {
    this.node = node;
    const gone = (member: MemberInfo) => this.add(member.id);
    const back = (member: MemberInfo) => this.remove(member.id);
    node.on('fail', gone);
    node.on('leave', gone);
    node.on('join', back);
    node.on('recover', back);
  }

  /** Departed members as the node knows them now (dead or left), most recent first. */
  list(): MemberInfo[] {
    const out: MemberInfo[] = [];
    for (const id of [...this.order]) {
      const member = this.node.member(id);
      if (member === undefined || (member.state !== 'dead' && member.state !== 'left')) {
        this.remove(id);
        continue;
      }
      out.push(member);
    }
    return out;
  }

  private add(id: string): void {
    this.remove(id);
    this.order.unshift(id);
    if (this.order.length > DEPARTED_MAX) this.order.length = DEPARTED_MAX;
  }

  private remove(id: string): void {
    const at = this.order.indexOf(id);
    if (at >= 0) this.order.splice(at, 1);
  }
}
