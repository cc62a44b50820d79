/**
 * Wire codes. These numbers are the protocol: never renumber, only append.
 */
import type { MemberState } from '../core/types.js';

export const TYPE_PING = 0;
export const TYPE_ACK = 1;
export const TYPE_NACK = 2;
export const TYPE_PING_REQ = 3;
export const TYPE_ALIVE = 4;
export const TYPE_SUSPECT = 5;
export const TYPE_DEAD = 6;
export const TYPE_LEFT = 7;
export const TYPE_STATE = 8;
export const TYPE_USER_EVENT = 9;
/** A member-table digest opening a periodic push-pull (state-digest.ts); travels as a state frame. */
export const TYPE_DIGEST = 10;

/** Indexed by state code. */
export const MEMBER_STATES: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left'];

export function memberStateCode(state: MemberState): number {
  switch (state) {
    case 'alive':
      return 0;
    case 'suspect':
      return 1;
    case 'dead':
      return 2;
    case 'left':
      return 3;
  }
}
