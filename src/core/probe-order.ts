/**
 * SWIM's round-robin probe order: every member is probed once per round in a
 * shuffled order, reshuffled each round. That bounds the time to first
 * detection of a crash by 2N - 1 protocol periods. Newcomers are inserted at
 * a random position among those not yet probed this round.
 *
 * Members are named by key, as their store names them; the order holds each
 * as a 4-byte code from the store's codec (member-store.ts), so that a store
 * whose keys are small integers costs 4 bytes a member.
 */
import type { ProbeKeyCodec } from './member-store.js';
import type { MemberKey } from './member-table.js';
import { randomInt, shuffle } from './random.js';
import type { RandomSource } from './types.js';

export class ProbeOrder {
  private order = new Int32Array(0);
  private length = 0;
  private next = 0;
  constructor(
    private readonly random: RandomSource,
    private readonly codec: ProbeKeyCodec,
  ) {}

  /** Makes room for `count` more inserts at once. */
  reserve(count: number): void {
    if (this.length + count > this.order.length) this.resize(this.length + count);
  }

  /** Adds a member somewhere in the rest of this round (O(1): swap into place). */
  insert(key: MemberKey): void {
    if (this.length === this.order.length) this.resize(Math.max(16, this.length * 2));
    const order = this.order;
    const last = this.length++;
    const position = this.next + randomInt(this.random, last - this.next + 1);
    order[last] = order[position] as number;
    order[position] = this.codec.encode(key);
  }

  /**
   * The next key for which `isProbeable` holds, starting a new shuffled round
   * from `members()` when this one is used up. Undefined when nobody qualifies.
   */
  take(isProbeable: (key: MemberKey) => boolean, members: () => MemberKey[]): MemberKey | undefined {
    for (let pass = 0; pass < 2; pass++) {
      while (this.next < this.length) {
        const key = this.codec.decode(this.order[this.next++] as number);
        if (isProbeable(key)) return key;
      }
      const keys = members();
      this.codec.newRound();
      this.order = new Int32Array(keys.length);
      for (let i = 0; i < keys.length; i++) this.order[i] = this.codec.encode(keys[i] as MemberKey);
      this.length = keys.length;
      this.next = 0;
      shuffle(this.random, this.order);
    }
    return undefined;
  }

  private resize(capacity: number): void {
    const order = new Int32Array(capacity);
    order.set(this.order.subarray(0, this.length));
    this.order = order;
  }
}
