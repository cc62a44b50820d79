/**
 * SWIM's failure detector, one protocol period at a time: ping the next
 * member in round-robin order; on silence past the probe timeout ask k
 * others to ping it (ping-req) and try the reliable stream too; no ack by the
 * end of the period makes it a suspect. It also answers others: acks to
 * pings, relayed pings with an ack or a nack for ping-reqs.
 */

import type { Awareness } from './awareness.js';
import { addNewest } from './bounded.js';
import type { CoreContext } from './context.js';
import type { Disseminator } from './dissemination.js';
import type { Channel } from './host.js';
import type { InitialShare } from './member-store.js';
import type { MemberEntry, MemberTable } from './member-table.js';
import type { AckMessage, Message, NackMessage, PingMessage, PingReqMessage } from './messages.js';
import { isInView } from './precedence.js';
import { ProbeOrder } from './probe-order.js';
import { freshUint32, randomInt } from './random.js';

/** Indirect probes relayed for others at once; more are dropped and counted. */
const RELAYS_MAX = 256;
/** Buddy pings (a suspicion told to its member) whose acks are awaited at once; the oldest give way. */
const BUDDY_PINGS_MAX = 64;
/** Members that probe a suspect ahead of their order, across the cluster, on average. */
const SUSPECT_PROBERS = 64;
/** Suspects waiting to be probed ahead of the round-robin order; older ones give way. */
const URGENT_MAX = 8;
/** How long one unanswered probe marks this node's own network as failing, in probe periods. */
const OWN_NETWORK_WINDOW_PERIODS = 4;
/** Weight of a new RTT sample in the smoothed RTT. */
const RTT_SMOOTHING = 0.2;

interface ActiveProbe {
  readonly seq: number;
  readonly targetId: string;
  /** Where an ack may come from: the target itself, or a relay asked for it. */
  readonly targetAddress: string;
  readonly relayAddresses: string[];
  readonly sentAtMs: number;
  /** The probe-timeout timer, cancelled by a direct ack. */
  timeoutToken: number;
  acked: boolean;
  indirect: boolean;
  nacksExpected: number;
  nacksReceived: number;
}

interface Relay {
  /** The only address whose ack this relay passes on. */
  readonly targetAddress: string;
  readonly requester: string;
  readonly requesterId: string;
  readonly requesterSeq: number;
  readonly channel: Channel;
}

/** What the prober needs from the rest of the core. */
export interface ProberHooks {
  /** The viewId to echo on pings and acks. */
  viewId(): number;
  /** A probe failed: raise a suspicion (originated by this node). */
  suspect(id: string, incarnation: number): void;
  /**
   * A live peer echoed `viewId`. `fresh`: the echo answers a probe this node
   * sent just now (an ack), so it cannot be an old packet that waited in a
   * socket buffer while this node was frozen.
   */
  peerViewId(fromId: string, viewId: number, fresh: boolean): void;
}

export class Prober {
  private readonly order: ProbeOrder;
  private readonly relays = new Map<number, Relay>();
  private active: ActiveProbe | undefined;
  /** Seqs of buddy pings sent outside the probe schedule, whose acks are expected and not judged. */
  private readonly buddySeqs = new Set<number>();
  /** Members someone else suspects: probed next, so that their refutation reaches us on the ack. */
  private readonly urgent: string[] = [];
  /**
   * When not one relay we asked answered a failed probe at all (a nack
   * proves we reach it), or we had none left to ask: our own link is lossy
   * or cut. A healthy node probing a crashed member gets its relays' nacks.
   */
  private lastUnansweredAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly context: CoreContext,
    private readonly table: MemberTable,
    private readonly dissemination: Disseminator,
    private readonly awareness: Awareness,
    private readonly hooks: ProberHooks,
  ) {
    this.order = new ProbeOrder(context.random, table.probeKeyCodec());
  }

  /** A member (new, or back from the dead) joins the round-robin order. */
  addToOrder(id: string): void {
    this.order.insert(this.table.keyOf(id));
  }

  /** Initial members taken in at once join the order as addToOrder would add them one by one. */
  addInitialToOrder(share: InitialShare): void {
    this.order.reserve(share.count);
    share.forEachKey((key) => this.order.insert(key));
  }

  /**
   * Whether this node's own network looks broken: within the last few
   * (awareness-stretched) periods, a failed probe got no answer from any
   * relay it asked, or it had none left to ask because it suspects everyone. A node behind a lossy link or cut off sees this; a
   * healthy node probing a crashed member does not (its relays nack).
   * Without relays (a cluster of two) it never holds, so a crash there is
   * still detected.
   */
  ownNetworkFailing(): boolean {
    const windowMs = OWN_NETWORK_WINDOW_PERIODS * this.awareness.scaleMs(this.context.config.probeIntervalMs);
    return this.context.nowMs - this.lastUnansweredAtMs < windowMs;
  }

  /** Forgets the probe in flight: a leaving node accuses nobody. */
  abandonProbe(): void {
    this.active = undefined;
  }

  /** Forgets every relay and urgent probe (on stop). */
  clearRelays(): void {
    this.relays.clear();
    this.buddySeqs.clear();
    this.urgent.length = 0;
  }

  /**
   * End of a protocol period: judges the probe in flight, whose outcome
   * changes the health score, and returns the length of the next period.
   */
  endPeriod(): number {
    if (this.active !== undefined) this.finish(this.active.seq);
    return this.awareness.scaleMs(this.context.config.probeIntervalMs);
  }

  /**
   * Someone else suspects `id`: probe it in one of the next periods rather
   * than when the round-robin gets there. The probe carries the suspicion
   * (the buddy system), so a live member's refutation comes straight back on
   * the ack instead of depending on gossip reaching us before the timeout; a
   * crashed one fails our probe too, an independent confirmation. Only about
   * SUSPECT_PROBERS members across the cluster take part, each by its own
   * draw: in a large cluster every member probing at once would flood the
   * suspect (and a lossy node suspecting often would aim that flood).
   */
  probeSoon(id: string): void {
    const others = this.table.liveCount - 1;
    if (others > SUSPECT_PROBERS && randomInt(this.context.random, others) >= SUSPECT_PROBERS) return;
    if (this.urgent.includes(id)) return;
    if (this.urgent.length >= URGENT_MAX) this.urgent.shift();
    this.urgent.push(id);
  }

  /**
   * Probes the next member in round-robin order. The probe is judged at the
   * start of the next period (endPeriod), so it needs no timer of its own.
   */
  probeNext(): void {
    const urgent = this.takeUrgent();
    if (urgent !== undefined) {
      this.probe(urgent);
      return;
    }
    const targetKey = this.order.take(
      (key) => {
        const entry = this.table.byKey(key);
        return entry !== undefined && entry !== this.table.self && isInView(entry.state);
      },
      () => this.table.liveOtherKeys(),
    );
    const target = targetKey === undefined ? undefined : this.table.byKey(targetKey);
    if (target !== undefined) this.probe(target);
  }

  /** The next urgent suspect still worth probing (still suspect, still in the view). */
  private takeUrgent(): MemberEntry | undefined {
    while (this.urgent.length > 0) {
      const entry = this.table.get(this.urgent.shift() as string);
      if (entry !== undefined && entry !== this.table.self && entry.state === 'suspect') return entry;
    }
    return undefined;
  }

  private probe(target: MemberEntry): void {
    const seq = this.nextSeq();
    const { context } = this;
    this.active = {
      seq,
      targetId: target.id,
      targetAddress: target.address,
      relayAddresses: [],
      sentAtMs: context.nowMs,
      timeoutToken: 0,
      acked: false,
      indirect: false,
      nacksExpected: 0,
      nacksReceived: 0,
    };
    context.counters.probes++;
    this.dissemination.send(target.address, this.probeMessages(seq, target), 'datagram');
    this.active.timeoutToken = context.schedule(this.awareness.scaleMs(context.config.probeTimeoutMs), {
      kind: 'probe-timeout',
      seq,
    });
  }

  /**
   * Tells a member of its suspicion outside the probe schedule (second-hand
   * news it may not have heard): the suspicion rides on a ping, so the
   * member's refutation comes straight back on its ack instead of depending
   * on gossip reaching us before the suspicion times out.
   */
  tellSuspect(target: MemberEntry, suspicion: Message): void {
    const seq = this.nextSeq();
    addNewest(this.buddySeqs, seq, BUDDY_PINGS_MAX);
    this.context.host.send(target.address, [suspicion, this.ping(seq, target.id)], 'datagram');
  }

  /** No direct ack in time: ask k members to probe, and try the stream. */
  onProbeTimeout(seq: number): void {
    const probe = this.active;
    if (probe === undefined || probe.seq !== seq || probe.acked) return;
    const target = this.table.get(probe.targetId);
    if (target === undefined || !isInView(target.state)) return;
    const { context } = this;
    const relays = this.table.sample(
      context.random,
      context.config.indirectChecks,
      (record) => record.state === 'alive' && record !== target,
    );
    probe.indirect = true;
    probe.nacksExpected = relays.length;
    for (const relay of relays) {
      probe.relayAddresses.push(relay.address);
      const request: PingReqMessage = {
        type: 'ping-req',
        seq,
        targetId: target.id,
        targetAddress: target.address,
        fromId: context.id,
      };
      context.counters.indirectProbes++;
      this.dissemination.send(relay.address, [request], 'datagram');
    }
    if (context.config.streamProbe) {
      // Networks that filter UDP but pass TCP still get an honest answer.
      // The suspect hears of its suspicion this way too, where only TCP reaches it.
      context.host.send(target.address, this.probeMessages(seq, target), 'stream');
    }
  }

  /** End of the protocol period for a probe: no ack by now means suspect. */
  private finish(seq: number): void {
    const probe = this.active;
    if (probe === undefined || probe.seq !== seq) return;
    this.active = undefined;
    if (probe.acked) return;
    const target = this.table.get(probe.targetId);
    if (target === undefined || !isInView(target.state)) return;
    this.context.counters.probesFailed++;
    // Lifeguard: relays that failed to nack point at our own network, not the target.
    const missedNacks = probe.nacksExpected - probe.nacksReceived;
    this.awareness.applyDelta(probe.nacksExpected > 0 ? Math.max(0, missedNacks) : 1);
    // No relay to ask although others are in the view: we suspect all of them, which says more about us.
    const relaysSuspected = probe.nacksExpected === 0 && this.table.liveCount > 2;
    const noRelayAnswered = probe.nacksExpected > 0 && probe.nacksReceived === 0;
    if (noRelayAnswered || relaysSuspected) this.lastUnansweredAtMs = this.context.nowMs;
    this.hooks.suspect(target.id, target.incarnation);
  }

  onPing(ping: PingMessage, from: string, channel: Channel): void {
    if (ping.targetId !== this.context.id) {
      this.context.drop('wrong-target');
      return;
    }
    const sender = this.table.get(ping.fromId);
    const atItsAddress = sender?.address === from;
    // A view claim counts only from the member's own address: anyone can put its id on a ping.
    if (atItsAddress) this.hooks.peerViewId(ping.fromId, ping.viewId, false);
    const answer: Message[] = [{ type: 'ack', seq: ping.seq, viewId: this.hooks.viewId() }];
    if (atItsAddress && sender?.state === 'suspect') {
      // A member we suspect is probing us: the ack tells it, so its refutation (or the alive
      // it has refuted with already) comes straight back, where its gossip copies missed us.
      answer.push({
        type: 'suspect',
        id: sender.id,
        incarnation: sender.incarnation,
        fromId: this.context.id,
      });
    }
    this.answer(from, ping.fromId, answer, channel);
  }

  /**
   * Sends an answer, with gossip piggybacked only where the sender cannot be
   * forged: a member at its known address, or a stream (TCP's handshake
   * proves the source). A datagram with a spoofed source thus gets back no
   * more than it sent, so it cannot turn this node into an amplifier.
   */
  private answer(to: string, senderId: string, messages: Message[], channel: Channel): void {
    if (channel === 'stream' || this.table.get(senderId)?.address === to) {
      this.dissemination.send(to, messages, channel);
    } else {
      this.context.host.send(to, messages, channel);
    }
  }

  /**
   * An ack counts only from where it can honestly come: the probed member's
   * address or a relay this node asked. With random sequence numbers, a
   * blind spray of acks can neither keep a crashed member alive nor answer
   * for a relayed probe.
   */
  onAck(ack: AckMessage, from: string): void {
    const probe = this.active;
    if (probe !== undefined && probe.seq === ack.seq) {
      if (from !== probe.targetAddress && !probe.relayAddresses.includes(from)) {
        this.context.drop('ack-source');
        return;
      }
      if (probe.acked) return;
      probe.acked = true;
      const target = this.table.get(probe.targetId);
      if (target !== undefined) {
        this.hooks.peerViewId(target.id, ack.viewId, true);
        if (!probe.indirect) {
          const sample = this.context.nowMs - probe.sentAtMs;
          const record = this.table.own(target);
          record.rttMs =
            record.rttMs === undefined ? sample : record.rttMs + RTT_SMOOTHING * (sample - record.rttMs);
        }
      }
      if (!probe.indirect) {
        this.awareness.applyDelta(-1);
        // Answered in time: its timeout has nothing left to do.
        this.context.cancel(probe.timeoutToken);
      }
      return;
    }
    // The answer to a buddy ping: its piggybacked refutation has been applied already.
    if (this.buddySeqs.delete(ack.seq)) return;
    const relay = this.relays.get(ack.seq);
    if (relay !== undefined) {
      if (from !== relay.targetAddress) {
        this.context.drop('ack-source');
        return;
      }
      this.relays.delete(ack.seq);
      const relayed: AckMessage = { type: 'ack', seq: relay.requesterSeq, viewId: ack.viewId };
      this.answer(relay.requester, relay.requesterId, [relayed], relay.channel);
      return;
    }
    this.context.drop('stale-seq');
  }

  onNack(nack: NackMessage, from: string): void {
    const probe = this.active;
    if (probe === undefined || probe.seq !== nack.seq) {
      this.context.drop('stale-seq');
      return;
    }
    if (!probe.relayAddresses.includes(from)) {
      this.context.drop('ack-source');
      return;
    }
    probe.nacksReceived++;
    this.context.counters.nacksReceived++;
  }

  /**
   * Relays a probe only to a member this node knows at that very address, so
   * a forged ping-req cannot aim our pings at an address outside the cluster.
   */
  onPingReq(request: PingReqMessage, from: string, channel: Channel): void {
    const target = this.table.get(request.targetId);
    if (target === undefined || target.address !== request.targetAddress || target === this.table.self) {
      this.context.drop('relay-target');
      return;
    }
    if (this.relays.size >= RELAYS_MAX) {
      this.context.drop('relays-max');
      return;
    }
    const seq = this.nextSeq();
    this.relays.set(seq, {
      targetAddress: target.address,
      requester: from,
      requesterId: request.fromId,
      requesterSeq: request.seq,
      channel,
    });
    this.dissemination.send(target.address, [this.ping(seq, target.id)], 'datagram');
    this.context.schedule(this.relayNackDelayMs(), { kind: 'relay-timeout', seq });
  }

  onRelayTimeout(seq: number): void {
    const relay = this.relays.get(seq);
    if (relay === undefined) return;
    this.relays.delete(seq);
    this.answer(
      relay.requester,
      relay.requesterId,
      [{ type: 'nack', seq: relay.requesterSeq }],
      relay.channel,
    );
  }

  /**
   * The requester sent its ping-req at probeTimeoutMs and judges the probe at
   * probeIntervalMs; a nack must land in between to count, so the relay gives
   * up on the target at 80% of that window (or of the probe timeout, if shorter).
   */
  private relayNackDelayMs(): number {
    const { probeIntervalMs, probeTimeoutMs } = this.context.config;
    return Math.max(1, Math.floor(0.8 * Math.min(probeTimeoutMs, probeIntervalMs - probeTimeoutMs)));
  }

  /** A ping, preceded for a suspect by its suspicion (Lifeguard's buddy system: it can refute at once). */
  private probeMessages(seq: number, target: MemberEntry): Message[] {
    const ping = this.ping(seq, target.id);
    if (target.state !== 'suspect') return [ping];
    const suspicion: Message = {
      type: 'suspect',
      id: target.id,
      incarnation: target.incarnation,
      fromId: this.context.id,
    };
    return [suspicion, ping];
  }

  private ping(seq: number, targetId: string): PingMessage {
    return { type: 'ping', seq, targetId, fromId: this.context.id, viewId: this.hooks.viewId() };
  }

  /**
   * A random 32-bit sequence number, distinct from every one in flight, so
   * an ack cannot be guessed by counting.
   */
  /** At most RELAYS_MAX + BUDDY_PINGS_MAX + 1 seqs are in flight, which bounds freshUint32's walk. */
  private nextSeq(): number {
    return freshUint32(
      this.context.random,
      (seq) => this.active?.seq === seq || this.relays.has(seq) || this.buddySeqs.has(seq),
    );
  }
}
