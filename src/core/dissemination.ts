/**
 * Infection-style dissemination: membership updates ride on every packet
 * this node sends (pings, acks, relays) up to packetBytesMax, and dedicated
 * gossip rounds carry them while any are queued. A view change travels with
 * the time still left before its deadline at the moment it is sent. User
 * events travel the same way in the room the updates leave.
 */
import { BroadcastQueue, type QueuedUpdate, type Spread } from './broadcast-queue.js';
import type { CoreContext } from './context.js';
import { backupRetransmitLimit, retransmitLimit } from './formulas.js';
import type { Channel } from './host.js';
import type { MemberTable } from './member-table.js';
import type { Message, UpdateMessage, UserEventMessage } from './messages.js';
import { isInView } from './precedence.js';
import { randomInt } from './random.js';
import type { WireFormat } from './wire-format.js';

/** Messages in one packet at most, whatever more the decoder would take. */
const MESSAGES_PER_PACKET_MAX = 200;
/** User events waiting to be passed on; the send and receive rates keep it far below this. */
const USER_EVENTS_QUEUED_MAX = 1024;

export class Disseminator {
  private readonly queue: BroadcastQueue;
  /** User events ride in the room membership updates leave: membership news goes first. */
  private readonly userEvents = new BroadcastQueue<UserEventMessage>(USER_EVENTS_QUEUED_MAX);
  private readonly messagesPerPacketMax: number;
  /** A gossip round is scheduled; rounds are only scheduled while updates are queued. */
  private gossipArmed = false;

  constructor(
    private readonly context: CoreContext,
    private readonly table: MemberTable,
    private readonly wire: WireFormat,
  ) {
    this.queue = new BroadcastQueue(context.config.membersMax + 1);
    this.messagesPerPacketMax = Math.min(MESSAGES_PER_PACKET_MAX, wire.messagesPerPacketMax);
  }

  /** Queued updates that carry a view change: until they are spent, some nodes may not have heard them. */
  get viewChangesInFlight(): number {
    return this.queue.viewChangesQueued;
  }

  get queueLength(): number {
    return this.queue.length;
  }

  get userEventQueueLength(): number {
    return this.userEvents.length;
  }

  /**
   * Queues a user event to pass on, under `key` (one per event). One too
   * large for this node's packets (a peer with larger packets sent it) is
   * delivered here but not passed on: it would never fit.
   */
  enqueueUserEvent(message: UserEventMessage, key: string): void {
    const bytes = this.wire.messageBytes(message);
    if (this.wire.packetBytesBound(bytes) > this.context.config.packetBytesMax) return;
    if (!this.userEvents.enqueue(key, message, bytes)) {
      this.context.drop('queue-full');
      return;
    }
    this.armGossip();
  }

  /**
   * Queues an update about `message.id`, replacing an older one. `viewAtMs`
   * is the deadline of the view change it carries (0 for none). `spread`
   * `backup`: the cluster has the news already, or its subject is telling
   * every member itself, and our copies only repair what datagrams lost (a
   * member our join answer named, a joiner's own announcement: in a join
   * storm, full spreads of both made most of the bytes, each node hearing
   * each member many times over).
   */
  enqueue(message: UpdateMessage, viewAtMs: number, spread: Spread = 'full'): void {
    // Sized as it would go out now: the delay it carries only shrinks from
    // here, and so does its size, so every later send fits this budget too.
    const bytes = this.wire.messageBytes(this.withRemainingDelay({ message, viewAtMs }));
    if (!this.queue.enqueue(message.id, message, bytes, viewAtMs, spread)) {
      this.context.drop('queue-full');
      return;
    }
    this.armGossip();
  }

  /**
   * A gossip round fired: gossip if anything is queued, and keep rounds
   * coming only while it is. An idle cluster then wakes each node for its
   * probes alone, not five more times a second for nothing.
   */
  onGossipTick(): void {
    this.gossipArmed = false;
    if (this.nothingQueued()) return;
    this.gossip();
    if (!this.nothingQueued()) this.armGossip(this.context.config.gossipIntervalMs);
  }

  /**
   * Schedules the next round. The first round after a quiet spell comes at a
   * random phase, as a free-running ticker's would relative to the news.
   */
  private armGossip(delayMs?: number): void {
    if (this.gossipArmed) return;
    this.gossipArmed = true;
    const { config, random } = this.context;
    this.context.schedule(delayMs ?? 1 + randomInt(random, config.gossipIntervalMs), { kind: 'gossip' });
  }

  forget(id: string): void {
    this.queue.remove(id);
  }

  /** True when an update about `id` is still queued (it has not gone out its limit of times). */
  isQueued(id: string): boolean {
    return this.queue.transmitsOf(id) !== undefined;
  }

  /** True when an update about `id` is queued and has not gone out yet. */
  isFresh(id: string): boolean {
    return this.queue.transmitsOf(id) === 0;
  }

  /** The queued update about `id`, if any, carries `viewAtMs` when that is earlier. */
  lowerViewAt(id: string, viewAtMs: number): void {
    this.queue.lowerViewAt(id, viewAtMs);
  }

  /** The view deadline carried by the queued update about `id`, if any. */
  viewAtOf(id: string): number | undefined {
    const viewAtMs = this.queue.viewAtOf(id);
    return viewAtMs === undefined || viewAtMs === 0 ? undefined : viewAtMs;
  }

  /** Sends `primary` plus as many queued updates as fit in one packet. */
  send(to: string, primary: Message[], channel: Channel): void {
    const { wire } = this;
    let primaryBytes = 0;
    for (const message of primary) primaryBytes += wire.messageBytes(message);
    // Sized for the largest array header, since the update count is not known yet.
    const room = this.context.config.packetBytesMax - wire.packetBytesBound(primaryBytes);
    const limit = this.limit();
    const countMax = this.messagesPerPacketMax - primary.length;
    const updates = room > 0 ? this.queue.take(room, limit, countMax, this.backupLimit()) : [];
    let eventRoom = room;
    for (const update of updates) eventRoom -= update.bytes;
    const events =
      eventRoom > 0 && this.userEvents.length > 0
        ? this.userEvents.take(eventRoom, limit, countMax - updates.length)
        : [];
    if (updates.length === 0 && events.length === 0 && primary.length === 0) return;
    for (const update of updates) primary.push(this.withRemainingDelay(update));
    for (const event of events) primary.push(event.message);
    this.context.host.send(to, primary, channel);
  }

  /**
   * Sends one update on its own, its view deadline as the time still left:
   * an answer to one sender, which must not pick up the queue's gossip.
   */
  sendAlone(to: string, message: UpdateMessage, viewAtMs: number): void {
    this.context.host.send(to, [this.withRemainingDelay({ message, viewAtMs })], 'datagram');
  }

  private nothingQueued(): boolean {
    return this.queue.length === 0 && this.userEvents.length === 0;
  }

  /** One gossip round: a packet of updates to a few random members, if any are queued. */
  private gossip(): void {
    if (this.nothingQueued()) return;
    const { config, nowMs, random } = this.context;
    const targets = this.table.sample(random, config.gossipNodes, (entry) => {
      if (isInView(entry.state)) return true;
      // Dead members keep hearing gossip for a while, so a partition can heal.
      return entry.state === 'dead' && nowMs - this.table.stateChangedAtMs(entry) < config.gossipToTheDeadMs;
    });
    for (const target of targets) this.send(target.address, [], 'datagram');
  }

  /** The view deadline travels as the time still left at the moment of sending. */
  private withRemainingDelay(update: Omit<QueuedUpdate, 'bytes'>): UpdateMessage {
    const message = update.message;
    if (message.type === 'suspect') return message;
    const remaining = update.viewAtMs > 0 ? Math.max(0, Math.round(update.viewAtMs - this.context.nowMs)) : 0;
    return remaining === message.viewDelayMs ? message : { ...message, viewDelayMs: remaining };
  }

  private limit(): number {
    return retransmitLimit(this.context.config.retransmitMult, this.table.liveCount);
  }

  private backupLimit(): number {
    return backupRetransmitLimit(this.context.config.retransmitMult, this.table.liveCount);
  }
}
