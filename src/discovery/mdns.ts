/**
 * mDNS discovery (DNS-SD over multicast DNS): every agent announces a
 * `_meshnode._udp.local` service instance whose TXT record carries the cluster
 * key, env, node id and mesh address, answers queries for the service, and
 * browses for others. Only instances with the same key and env are reported;
 * the agent then joins through their address. The interface can be pinned
 * (multicast membership and outgoing interface); tests pin it to 127.0.0.1 so
 * that nothing leaves the machine.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import makeMdns from 'multicast-dns';
import { parseAddress } from '../core/address.js';
import { isAddressSeed } from '../node/seed-resolution.js';

export const MDNS_SERVICE = '_meshnode._udp.local';
/** TXT format version. */
const TXT_VERSION = '1';
/** Record TTL in seconds (RFC 6762 suggests 120 s for records tied to a host). */
const RECORD_TTL_S = 120;

export interface MdnsPeer {
  readonly id: string;
  /** Mesh "host:port" to join through. */
  readonly address: string;
  readonly threads: number | undefined;
}

export interface MdnsDiscoveryOptions {
  readonly key: string;
  readonly env: string;
  readonly id: string;
  /** This node's advertised mesh address. */
  readonly address: string;
  readonly threads: number;
  /** IPv4 address of the interface to use; undefined: every interface (multicast-dns's default). */
  readonly interface?: string;
  /** UDP port. Default 5353; tests use another so they never meet a real responder. */
  readonly port?: number;
  /** Time between browse queries. Default 10 s. */
  readonly intervalMs?: number;
  /** Service name. Default `_meshnode._udp.local`. */
  readonly service?: string;
}

export type MdnsEvents = {
  /** An instance of the same cluster (key and env) that is not this node. */
  peer: [peer: MdnsPeer];
  /** multicast-dns reported a non-fatal problem (membership, undecodable packet). */
  warning: [error: Error];
  /** The socket failed after start (fatal errors before start reject start()). */
  error: [error: Error];
};

type Mdns = ReturnType<typeof makeMdns>;
interface Record_ {
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly data?: unknown;
}

/** A DNS label for this instance: the id when it is a plain label, else a digest of it. */
export function instanceLabel(id: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(id)) return id;
  return `mn-${createHash('sha256').update(id).digest('hex').slice(0, 24)}`;
}

/** Decodes TXT data (string, Buffer or a list of them) into a key=value map. */
export function decodeTxt(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const items = Array.isArray(data) ? data : [data];
  for (const item of items) {
    const text = Buffer.isBuffer(item) ? item.toString('utf8') : typeof item === 'string' ? item : '';
    const at = text.indexOf('=');
    if (at <= 0) continue;
    out[text.slice(0, at)] = text.slice(at + 1);
  }
  return out;
}

export class MdnsDiscovery extends EventEmitter<MdnsEvents> {
  private readonly options: MdnsDiscoveryOptions;
  private readonly service: string;
  private readonly instance: string;
  private mdns: Mdns | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private lastAnswerAt = 0;

  constructor(options: MdnsDiscoveryOptions) {
    super();
    this.options = options;
    this.service = options.service ?? MDNS_SERVICE;
    this.instance = `${instanceLabel(options.id)}.${this.service}`;
  }

  /** Binds, then announces this node and sends the first query. Rejects when the socket cannot bind. */
  start(): Promise<void> {
    if (this.mdns !== undefined) return Promise.resolve();
    const pinned = this.options.interface;
    const mdns = makeMdns({
      port: this.options.port ?? 5353,
      // Membership and outgoing interface; unset means all interfaces.
      ...(pinned !== undefined ? { interface: pinned } : {}),
      // Bound to the wildcard: bound to 127.0.0.1 alone the socket receives no multicast.
      bind: '0.0.0.0',
      reuseAddr: true,
      loopback: true,
      // Link-local scope only when pinned to loopback, so nothing can be routed off the host.
      ttl: pinned?.startsWith('127.') ? 1 : 255,
    });
    this.mdns = mdns;
    mdns.on('warning', (error: Error) => this.emit('warning', error));
    mdns.on('query', (packet) => this.onQuery(packet as unknown as { questions: Record_[] }));
    mdns.on('response', (packet) => {
      const { answers = [], additionals = [] } = packet as unknown as {
        answers?: Record_[];
        additionals?: Record_[];
      };
      this.onRecords([...answers, ...additionals]);
    });
    return new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        mdns.off('ready', onReady);
        this.mdns = undefined;
        mdns.destroy();
        reject(error);
      };
      const onReady = () => {
        mdns.off('error', onError);
        mdns.on('error', (error: Error) => this.emit('error', error));
        this.announce();
        this.browse();
        // RFC 6762 announces twice, a second apart; a second query covers a lost first one.
        this.later(1000, () => {
          this.announce();
          this.browse();
        });
        this.every(this.options.intervalMs ?? 10_000, () => this.browse());
        resolve();
      };
      mdns.once('error', onError);
      mdns.once('ready', onReady);
    });
  }

  /** Sends a browse query now (the agent calls it while it is still alone). */
  browse(): void {
    if (this.mdns === undefined || this.stopped) return;
    this.mdns.query({ questions: [{ name: this.service, type: 'PTR' }] }, (error) => {
      if (error) this.emit('warning', error);
    });
  }

  /** Says goodbye (records with TTL 0) and closes the socket. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    const mdns = this.mdns;
    this.mdns = undefined;
    if (mdns === undefined) return;
    await new Promise<void>((resolve) => {
      mdns.respond({ answers: this.records(0) as never }, () => resolve());
    });
    await new Promise<void>((resolve) => mdns.destroy(() => resolve()));
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private announce(): void {
    if (this.mdns === undefined || this.stopped) return;
    this.mdns.respond({ answers: this.records(RECORD_TTL_S) as never }, (error) => {
      if (error) this.emit('warning', error);
    });
  }

  /** PTR, SRV and TXT for this instance, plus A/AAAA when the address is an IP. */
  private records(ttl: number): Record_[] {
    const { key, env, id, address, threads } = this.options;
    const parsed = parseAddress(address);
    const host = parsed?.host ?? '127.0.0.1';
    const family = isIP(host);
    const target = family === 0 ? host : `${instanceLabel(id)}.local`;
    const records: Record_[] = [
      { name: this.service, type: 'PTR', ttl, data: this.instance },
      {
        name: this.instance,
        type: 'SRV',
        ttl,
        data: { port: parsed?.port ?? 0, target, priority: 0, weight: 0 },
      },
      {
        name: this.instance,
        type: 'TXT',
        ttl,
        data: [
          `v=${TXT_VERSION}`,
          `key=${key}`,
          `env=${env}`,
          `id=${id}`,
          `addr=${address}`,
          `threads=${threads}`,
        ],
      },
    ];
    if (family === 4) records.push({ name: target, type: 'A', ttl, data: host });
    if (family === 6) records.push({ name: target, type: 'AAAA', ttl, data: host });
    return records;
  }

  private onQuery(packet: { questions: Record_[] }): void {
    const asked = (packet.questions ?? []).some(
      (q) =>
        (q.name === this.service && (q.type === 'PTR' || q.type === 'ANY')) ||
        (q.name === this.instance && (q.type === 'SRV' || q.type === 'TXT' || q.type === 'ANY')),
    );
    // Many browsers asking at once get one answer per half second (multicast reaches them all).
    if (!asked || Date.now() - this.lastAnswerAt < 500) return;
    this.lastAnswerAt = Date.now();
    this.announce();
  }

  private onRecords(records: Record_[]): void {
    const suffix = `.${this.service}`;
    for (const record of records) {
      if (record.type !== 'TXT' || !record.name.endsWith(suffix) || record.ttl === 0) continue;
      const txt = decodeTxt(record.data);
      if (txt.v !== TXT_VERSION || txt.key !== this.options.key || txt.env !== this.options.env) continue;
      if (txt.id === undefined || txt.id === '' || txt.id === this.options.id) continue;
      // An address from the network is joined as it is, never looked up: IP addresses only.
      if (txt.addr === undefined || !isAddressSeed(txt.addr)) continue;
      const threads = Number(txt.threads);
      this.emit('peer', {
        id: txt.id,
        address: txt.addr,
        threads: Number.isInteger(threads) && threads > 0 ? threads : undefined,
      });
    }
  }
}
