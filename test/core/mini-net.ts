/**
 * A few cores on one virtual clock with a lossless, fixed-latency network and
 * instant full-state syncs. Enough to check protocol behaviour end to end in
 * unit tests; fault models belong to the simulator.
 */
import { msgpackWireFormat } from '../../src/codec/index.js';
import type { ProtocolConfig } from '../../src/core/config.js';
import { MeshCore } from '../../src/core/core.js';
import type { Channel, CoreEvent, CoreHost } from '../../src/core/host.js';
import type { Message, StateMessage } from '../../src/core/messages.js';
import { SeededRandom } from '../../src/core/random.js';

interface Pending {
  readonly atMs: number;
  readonly order: number;
  readonly run: () => void;
}

export class MiniNet {
  nowMs = 0;
  readonly cores = new Map<string, MeshCore>();
  readonly events = new Map<string, CoreEvent[]>();
  /** Every event of every node with the virtual time it was emitted at. */
  readonly timeline: Array<{ readonly atMs: number; readonly id: string; readonly event: CoreEvent }> = [];
  /** Addresses whose packets vanish (a crashed or cut-off node). */
  readonly silenced = new Set<string>();
  private readonly queue: Pending[] = [];
  private order = 0;
  private readonly byAddress = new Map<string, MeshCore>();

  constructor(
    private readonly config: ProtocolConfig,
    private readonly latencyMs = 1,
  ) {}

  add(id: string, threads = 1, seed = id.length * 7919 + id.charCodeAt(0)): MeshCore {
    const address = `10.0.0.${this.cores.size + 1}:7946`;
    const events: CoreEvent[] = [];
    const net = this;
    let core: MeshCore | undefined;
    const host: CoreHost = {
      send(to: string, messages: readonly Message[], channel: Channel) {
        net.deliver(address, to, [...messages], channel);
      },
      schedule(delayMs: number, token: number) {
        net.at(net.nowMs + delayMs, () => core?.handleTimer(token, net.nowMs));
      },
      sync(to: string, request: StateMessage) {
        net.at(net.nowMs + net.latencyMs, () => net.exchange(core as MeshCore, address, to, request));
      },
      notify(event: CoreEvent) {
        events.push(event);
        net.timeline.push({ atMs: net.nowMs, id, event });
      },
    };
    const random = new SeededRandom(seed);
    core = new MeshCore({ id, address, threads, config: this.config, wire: msgpackWireFormat, random, host });
    this.cores.set(id, core);
    this.byAddress.set(address, core);
    this.events.set(id, events);
    core.start(this.nowMs);
    return core;
  }

  /** Adds a node and has it join through `seedId`. */
  join(id: string, seedId: string, threads = 1): MeshCore {
    const core = this.add(id, threads);
    core.join([this.addressOf(seedId)], this.nowMs);
    return core;
  }

  core(id: string): MeshCore {
    const core = this.cores.get(id);
    if (core === undefined) throw new Error(`no node ${id}`);
    return core;
  }

  addressOf(id: string): string {
    for (const [address, core] of this.byAddress) if (core.id === id) return address;
    throw new Error(`no node ${id}`);
  }

  /** Runs every queued action up to `untilMs`, in (time, order) order. */
  runUntil(untilMs: number): void {
    for (let steps = 0; steps < 1_000_000; steps++) {
      this.queue.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
      const next = this.queue[0];
      if (next === undefined || next.atMs > untilMs) break;
      this.queue.shift();
      this.nowMs = next.atMs;
      next.run();
    }
    this.nowMs = untilMs;
  }

  crash(id: string): void {
    const core = this.cores.get(id);
    core?.stop();
    this.silenced.add(this.addressOf(id));
  }

  private at(atMs: number, run: () => void): void {
    this.queue.push({ atMs, order: this.order++, run });
  }

  private deliver(from: string, to: string, messages: Message[], channel: Channel): void {
    if (this.silenced.has(from) || this.silenced.has(to)) return;
    this.at(this.nowMs + this.latencyMs, () => {
      this.byAddress.get(to)?.handleMessages(messages, from, channel, this.nowMs);
    });
  }

  private exchange(initiator: MeshCore, from: string, to: string, request: StateMessage): void {
    const responder = this.byAddress.get(to);
    const reachable = responder !== undefined && !this.silenced.has(to) && !this.silenced.has(from);
    const answer = reachable ? responder.answerState(request, from, this.nowMs) : undefined;
    if (answer === undefined) {
      initiator.handleSyncFailed(to, request.join, this.nowMs);
      return;
    }
    this.at(this.nowMs + this.latencyMs, () => initiator.handleSyncReply(answer, to, this.nowMs));
  }
}
