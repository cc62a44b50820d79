/**
 * The agent's event stream as the status API serves it (`GET /v1/events`):
 * every event the agent prints as a --json line, numbered, kept in a short
 * history so a client that reconnects (or a page that opens late) can catch
 * up, and fanned out to the connected clients.
 *
 * An event is the --json line with its `event` field renamed `type`, so a
 * reader of the stream and a reader of `meshnode agent --json` see the same
 * names and fields.
 */

export interface StatusEvent {
  /** The --json line's event name: rebalance, settled, join, leave, fail, suspect, recover, ... */
  readonly type: string;
  readonly [field: string]: unknown;
}

/** An event with its position in the stream. */
export interface NumberedEvent {
  readonly seq: number;
  readonly event: StatusEvent;
}

export type EventListener = (numbered: NumberedEvent) => void;

/** Events kept for replay by default: a page's log and a short reconnect gap. */
export const EVENT_HISTORY_DEFAULT = 256;

export class EventHub {
  /** Distinguishes this process's sequence numbers from those of an earlier run on the same port. */
  readonly streamId: string;
  private readonly historyMax: number;
  private readonly history: NumberedEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private lastSeq = 0;

  constructor(options: { streamId?: string; historyMax?: number } = {}) {
    this.streamId = options.streamId ?? Date.now().toString(36);
    this.historyMax = Math.max(0, options.historyMax ?? EVENT_HISTORY_DEFAULT);
  }

  /** Publishes an agent --json line object (`{ event: name, ...fields }`). */
  publishLine(line: Readonly<Record<string, unknown>>): void {
    const { event, type: _shadowed, ...fields } = line;
    this.publish({ type: String(event), ...fields });
  }

  publish(event: StatusEvent): void {
    this.lastSeq += 1;
    const numbered = { seq: this.lastSeq, event };
    this.history.push(numbered);
    if (this.history.length > this.historyMax) this.history.shift();
    for (const listener of [...this.listeners]) listener(numbered);
  }

  get seq(): number {
    return this.lastSeq;
  }

  /** The kept events with seq > afterSeq, oldest first; `complete` is false when some were already discarded. */
  since(afterSeq: number): { events: NumberedEvent[]; complete: boolean } {
    const events = this.history.filter((numbered) => numbered.seq > afterSeq);
    const oldest = this.history[0]?.seq ?? this.lastSeq + 1;
    return { events, complete: afterSeq >= oldest - 1 };
  }

  /** The newest `count` kept events, oldest first. */
  latest(count: number): NumberedEvent[] {
    return count <= 0 ? [] : this.history.slice(-count);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
