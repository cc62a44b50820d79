/**
 * Which update wins. A member's own incarnation orders its history: a higher
 * incarnation always wins for alive; at equal incarnation the more severe
 * state wins (alive < suspect < dead < left). Dead and left are final for
 * their incarnation: only an alive at a higher incarnation (the member itself
 * refuting, or restarting) brings the member back.
 */
import type { MemberState } from './types.js';

export interface Versioned {
  readonly state: MemberState;
  readonly incarnation: number;
}

/**
 * `confirm`: the same suspicion again, from someone else (Lifeguard counts these).
 * `advance`: a tombstone heard at a higher incarnation; the state stays, the
 * incarnation rises, so a stale alive between the two cannot revive the member.
 */
export type Verdict = 'apply' | 'confirm' | 'advance' | 'ignore';

export function judgeUpdate(current: Versioned | undefined, update: Versioned): Verdict {
  if (current === undefined) {
    // Tombstones and suspicions about strangers teach us nothing worth keeping.
    return update.state === 'alive' ? 'apply' : 'ignore';
  }
  switch (update.state) {
    case 'alive':
      return update.incarnation > current.incarnation ? 'apply' : 'ignore';
    case 'suspect':
      if (update.incarnation < current.incarnation) return 'ignore';
      if (current.state === 'alive') return 'apply';
      if (current.state === 'suspect') {
        return update.incarnation > current.incarnation ? 'apply' : 'confirm';
      }
      return 'ignore';
    case 'dead':
      if (update.incarnation < current.incarnation) return 'ignore';
      if (current.state === 'alive' || current.state === 'suspect') return 'apply';
      return update.incarnation > current.incarnation ? 'advance' : 'ignore';
    case 'left':
      if (update.incarnation < current.incarnation) return 'ignore';
      if (current.state !== 'left') return 'apply';
      return update.incarnation > current.incarnation ? 'advance' : 'ignore';
  }
}

/** Alive and suspect members belong in the sorted view; dead and left do not. */
export function isInView(state: MemberState): boolean {
  return state === 'alive' || state === 'suspect';
}
