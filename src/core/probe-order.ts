/**
 * SWIM's round-robin probe order: every member is probed once per round in a
 * shuffled order, reshuffled each round. That bounds the time to first
 * detection of a crash by 2N - 1 protocol periods. Newcomers are inserted at
 * a random position among those not yet probed this round.
 */
import { randomInt, shuffle } from './random.js';
import type { RandomSource } from './types.js';

export class ProbeOrder {
  private order: string[] = [];
  private next = 0;

  constructor(private readonly random: RandomSource) {}

  /** Adds a member somewhere in the rest of this round (O(1): swap into place). */
  insert(id: string): void {
    this.order.push(id);
    const last = this.order.length - 1;
    const position = this.next + randomInt(this.random, last - this.next + 1);
    const displaced = this.order[position] as string;
    this.order[position] = id;
    this.order[last] = displaced;
  }

  /**
   * The next id for which `isProbeable` holds, starting a new shuffled round
   * from `members()` when this one is used up. Undefined when nobody qualifies.
   */
  take(isProbeable: (id: string) => boolean, members: () => string[]): string | undefined {
    for (let pass = 0; pass < 2; pass++) {
      while (this.next < this.order.length) {
        const id = this.order[this.next++] as string;
        if (isProbeable(id)) return id;
      }
      this.order = shuffle(this.random, members());
      this.next = 0;
    }
    return undefined;
  }
}
