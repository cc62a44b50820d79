/**
 * A joiner's own announcement to the members its seed vouched for. Its seed's
 * answer put them in our table without a ping each (core.ts, mergeState), so
 * nothing of ours has reached them yet; left to gossip alone, the last of them
 * heard of us only from a repair sync seconds later. One datagram with our
 * alive goes to each instead, and each verifies us as it would any news
 * (admission.ts): three packets per pair where pinging each member first took
 * four. Paced like verification, so that the answers never arrive at once.
 *
 * A member that got it pings us (to verify us, or as a probe); one that
 * stays silent for a probe period is told again, up to ANNOUNCEMENTS_MAX
 * times in all. Gossip would reach it too, but a member that admits us on
 * our announcement passes our news on as a backup only (Disseminator.enqueue),
 * and on a lossy network the repeat is the surer way to the member whose
 * datagram was lost.
 */
import { VERIFY_PACE_MS, VERIFY_WINDOW } from './admission.js';
import type { CoreContext } from './context.js';
import type { MemberTable } from './member-table.js';
import type { AliveMessage } from './messages.js';

/** Announcements a member gets at most: the first, and the repeats while it stays silent. */
export const ANNOUNCEMENTS_MAX = 3;

export interface AnnouncementHooks {
  /** Our alive, with the view deadline it carries now; undefined once we leave or stop. */
  ownAlive(): AliveMessage | undefined;
}

export class Announcement {
  /**
   * Members still to be told, in the order the seed listed them. A join
   * through several seeds gets an answer from each, mostly naming the same
   * members: the core passes only the members an answer brought in, so
   * each is told once.
   */
  private readonly pending = new Set<string>();
  /** Members told and not heard from since, with how many times they were told. */
  private readonly unheard = new Map<string, number>();
  private paceArmed = false;
  /** The repeat, a probe period after the last announcement went out: a later one moves it. */
  private repeatToken: number | undefined;

  constructor(
    private readonly context: CoreContext,
    private readonly table: MemberTable,
    private readonly hooks: AnnouncementHooks,
  ) {}

  /** Tells `ids` of us, VERIFY_WINDOW of them every VERIFY_PACE_MS. */
  start(ids: Iterable<string>): void {
    for (const id of ids) if (id !== this.context.id) this.pending.add(id);
    this.sendNext();
  }

  onPaceTimer(): void {
    this.paceArmed = false;
    this.sendNext();
  }

  /** `id` pinged us: it knows of us, and needs no announcement (or no more of them). */
  heardFrom(id: string): void {
    this.unheard.delete(id);
    this.pending.delete(id);
  }

  /** A probe period after the last announcement went out: tell the silent members again. */
  onRepeatTimer(): void {
    this.repeatToken = undefined;
    for (const [id, told] of this.unheard) {
      if (told >= ANNOUNCEMENTS_MAX) this.unheard.delete(id);
      else this.pending.add(id);
    }
    this.sendNext();
  }

  clear(): void {
    this.pending.clear();
    this.unheard.clear();
    this.cancelRepeat();
  }

  private cancelRepeat(): void {
    if (this.repeatToken === undefined) return;
    this.context.cancel(this.repeatToken);
    this.repeatToken = undefined;
  }

  private sendNext(): void {
    const alive = this.hooks.ownAlive();
    // We leave (or stopped): what we would announce is no longer true.
    if (alive === undefined) {
      this.clear();
      return;
    }
    let left = VERIFY_WINDOW;
    for (const id of this.pending) {
      if (left <= 0) break;
      this.pending.delete(id);
      const member = this.table.get(id);
      if (member === undefined || member.state !== 'alive') {
        this.unheard.delete(id);
        continue;
      }
      left--;
      this.unheard.set(id, (this.unheard.get(id) ?? 0) + 1);
      this.context.host.send(member.address, [alive], 'datagram');
    }
    // A member a later seed's answer brought in was told just now: a repeat armed
    // for the earlier ones would tell it again before it had the time to answer.
    if (left < VERIFY_WINDOW) this.cancelRepeat();
    if (this.pending.size === 0) {
      if (this.unheard.size > 0 && this.repeatToken === undefined) {
        this.repeatToken = this.context.schedule(this.context.config.probeIntervalMs, {
          kind: 'announce-repeat',
        });
      }
      return;
    }
    if (!this.paceArmed) {
      this.paceArmed = true;
      this.context.schedule(VERIFY_PACE_MS, { kind: 'announce-pace' });
    }
  }
}
