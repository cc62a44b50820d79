/**
 * Cluster-wide user events (Serf's): a name and a small payload that every
 * live member hears once, the sender included. Events spread the way
 * membership updates do, piggybacked and gossiped a bounded number of
 * times; a Lamport clock orders them. What keeps them bounded:
 *
 * - the payload is at most userEventPayloadBytesMax (the codec refuses more)
 *   and a sender sends no more than fits one packet;
 * - sending is rate-limited by a token bucket (UserEventRateError beyond it),
 *   and new events received beyond userEventReceivePerSecondMax are dropped
 *   and counted, so one misbehaving sender cannot flood every member;
 * - duplicates are recognised within a window of Lamport times
 *   (user-events-seen.ts); anything older is dropped as stale.
 *
 * Events are no part of the full state: a joiner learns only the cluster's
 * clock from the answer to its join, and ignores events stamped before it,
 * so it never replays what happened before it arrived.
 */
import type { CoreContext } from './context.js';
import type { Disseminator } from './dissemination.js';
import { UserEventRateError } from './errors.js';
import type { UserEventMessage } from './messages.js';
import { TokenBucket } from './user-events-rate.js';
import { checkUserEvent, sendablePayloadBytesMax, USER_EVENT_LTIME_MAX } from './user-events-rules.js';
import { SeenEvents } from './user-events-seen.js';
import type { WireFormat } from './wire-format.js';

export class UserEvents {
  /** The Lamport time the next event sent here will carry; above every time seen. */
  private clock = 0;
  /** Events stamped before this time predate this node's join. */
  private minLtime = 0;
  private readonly seen = new SeenEvents();
  private readonly sendBucket: TokenBucket;
  private readonly receiveBucket: TokenBucket;
  /** The payload limit a broadcast is held to (the config's, or less when packets are small). */
  readonly payloadBytesMax: number;

  constructor(
    private readonly context: CoreContext,
    private readonly dissemination: Disseminator,
    wire: WireFormat,
    /** True while this node waits for the answer to its join. */
    private readonly awaitingAdmission: () => boolean,
  ) {
    const { config } = context;
    this.payloadBytesMax = sendablePayloadBytesMax(
      config.userEventPayloadBytesMax,
      config.packetBytesMax,
      wire,
    );
    this.sendBucket = new TokenBucket(context.config.userEventSendPerSecondMax);
    this.receiveBucket = new TokenBucket(context.config.userEventReceivePerSecondMax);
  }

  /** The Lamport clock, as this node's full state carries it. */
  get ltime(): number {
    return this.clock;
  }

  /**
   * Sends an event: it is delivered here at once and queued for the others.
   * Returns its Lamport time. Throws ValidationError, UserEventTooLargeError
   * or UserEventRateError, and then nothing is sent.
   */
  broadcast(name: string, payload: string | Uint8Array): number {
    const { context } = this;
    const bytes = checkUserEvent(name, payload, this.payloadBytesMax);
    if (!this.sendBucket.take(context.nowMs)) {
      throw new UserEventRateError(
        context.config.userEventSendPerSecondMax,
        this.sendBucket.waitMs(context.nowMs),
      );
    }
    const message: UserEventMessage = {
      type: 'user-event',
      name,
      payload: bytes,
      fromId: context.id,
      ltime: this.clock,
    };
    this.witness(this.clock);
    this.seen.record(message.ltime, seenKey(message));
    context.counters.userEventsSent++;
    this.deliver(message);
    return message.ltime;
  }

  /** An event from the wire: delivered and passed on once, unless stale, a duplicate or over the rate. */
  receive(message: UserEventMessage): void {
    const { context } = this;
    if (this.awaitingAdmission()) {
      // Without the cluster's clock there is no telling a new event from an old one still in flight.
      context.drop('event-stale');
      return;
    }
    this.witness(message.ltime);
    if (message.ltime < this.minLtime || SeenEvents.isBeforeWindow(message.ltime, this.clock)) {
      context.drop('event-stale');
      return;
    }
    switch (this.seen.record(message.ltime, seenKey(message))) {
      case 'duplicate':
        context.counters.userEventsDuplicate++;
        return;
      case 'full':
        context.drop('event-rate');
        return;
      case 'new':
        break;
    }
    if (!this.receiveBucket.take(context.nowMs)) {
      context.drop('event-rate');
      return;
    }
    context.counters.userEventsReceived++;
    this.deliver(message);
  }

  /**
   * A full state arrived carrying its sender's clock. Answering this node's
   * own join, it also marks where this node's events begin.
   */
  learnClock(remoteLtime: number, joining: boolean): void {
    this.witness(remoteLtime === 0 ? 0 : remoteLtime - 1);
    if (joining) this.minLtime = Math.max(this.minLtime, remoteLtime);
  }

  private deliver(message: UserEventMessage): void {
    this.context.emit({
      type: 'user-event',
      name: message.name,
      payload: message.payload,
      fromId: message.fromId,
      ltime: message.ltime,
    });
    this.dissemination.enqueueUserEvent(message, seenKey(message));
  }

  /** Lamport's rule: the clock moves past every time it sees. */
  private witness(ltime: number): void {
    if (ltime >= this.clock) this.clock = Math.min(ltime + 1, USER_EVENT_LTIME_MAX);
  }
}

/** Who sent it and under which name; the Lamport time picks the slot. Ids hold no control characters. */
function seenKey(message: UserEventMessage): string {
  return `${message.fromId}\u0000${message.ltime}\u0000${message.name}`;
}
