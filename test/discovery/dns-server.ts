/**
 * A tiny authoritative DNS server for tests, on 127.0.0.1 with a port of
 * its own: it answers A, AAAA and SRV questions (RFC 1035, RFC 2782) from
 * a table the test fills and may change between lookups, NXDOMAIN for a
 * name not in the table, and an empty answer for a known name without
 * records of the asked type. Only what the tests need: one question per
 * query, no compression beyond the answer's pointer to the question.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

export interface SrvRecord {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

export interface NameRecords {
  readonly a?: readonly string[];
  readonly aaaa?: readonly string[];
  readonly srv?: readonly SrvRecord[];
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const TYPE_SRV = 33;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;
const TTL_S = 1;

export interface Question {
  readonly name: string;
  readonly type: number;
}

export class TestDnsServer {
  private readonly records = new Map<string, NameRecords>();
  private socket: Socket | undefined;
  /** Every question asked, in order. */
  readonly questions: Question[] = [];
  /** While true, queries are read and counted but never answered (a server that went silent). */
  silent = false;
  /** While set, every query is answered with these bytes behind its id (a broken or hostile server). */
  garbage: Buffer | undefined;

  /** "127.0.0.1:port", the form createDnsResolver and --dns-servers take. */
  get address(): string {
    const socket = this.socket;
    if (socket === undefined) throw new Error('the test DNS server is not started');
    return `127.0.0.1:${socket.address().port}`;
  }

  set(name: string, records: NameRecords): void {
    this.records.set(name.toLowerCase(), records);
  }

  delete(name: string): void {
    this.records.delete(name.toLowerCase());
  }

  /** How many questions named `name` (any type) were asked. */
  asked(name: string): number {
    return this.questions.filter((q) => q.name === name.toLowerCase()).length;
  }

  async start(): Promise<this> {
    const socket = createSocket('udp4');
    socket.on('message', (packet, from) => this.onQuery(packet, from));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    return this;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private onQuery(packet: Buffer, from: RemoteInfo): void {
    const parsed = readQuestion(packet);
    if (parsed === undefined) {
      if (packet.length >= 2) this.reply(header(packet.readUInt16BE(0), RCODE_FORMERR, 0, 0), from);
      return;
    }
    this.questions.push(parsed.question);
    if (this.silent) return;
    const id = packet.readUInt16BE(0);
    if (this.garbage !== undefined) {
      const idBytes = Buffer.alloc(2);
      idBytes.writeUInt16BE(id, 0);
      this.reply(Buffer.concat([idBytes, this.garbage]), from);
      return;
    }
    const questionBytes = packet.subarray(12, parsed.end);
    const records = this.records.get(parsed.question.name);
    if (records === undefined) {
      this.reply(Buffer.concat([header(id, RCODE_NXDOMAIN, 1, 0), questionBytes]), from);
      return;
    }
    const answers = answersFor(parsed.question.type, records);
    this.reply(Buffer.concat([header(id, 0, 1, answers.length), questionBytes, ...answers]), from);
  }

  private reply(packet: Buffer, to: RemoteInfo): void {
    this.socket?.send(packet, to.port, to.address);
  }
}

function readQuestion(packet: Buffer): { question: Question; end: number } | undefined {
  if (packet.length < 12 || packet.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (let count = 0; count < 128; count++) {
    const length = packet[at];
    if (length === undefined || length > 63) return undefined;
    at += 1;
    if (length === 0) break;
    if (at + length > packet.length) return undefined;
    labels.push(packet.toString('latin1', at, at + length));
    at += length;
  }
  if (at + 4 > packet.length) return undefined;
  const type = packet.readUInt16BE(at);
  return { question: { name: labels.join('.').toLowerCase(), type }, end: at + 4 };
}

/** Authoritative answer header with `rcode`, echoing the query id. */
function header(id: number, rcode: number, questions: number, answers: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(0x8000 | 0x0400 | 0x0100 | 0x0080 | rcode, 2); // QR, AA, RD, RA
  out.writeUInt16BE(questions, 4);
  out.writeUInt16BE(answers, 6);
  return out;
}

function answersFor(type: number, records: NameRecords): Buffer[] {
  if (type === TYPE_A) return (records.a ?? []).map((ip) => answer(TYPE_A, ipv4Bytes(ip)));
  if (type === TYPE_AAAA) return (records.aaaa ?? []).map((ip) => answer(TYPE_AAAA, ipv6Bytes(ip)));
  if (type === TYPE_SRV) {
    return (records.srv ?? []).map((srv) => {
      const fixed = Buffer.alloc(6);
      fixed.writeUInt16BE(srv.priority, 0);
      fixed.writeUInt16BE(srv.weight, 2);
      fixed.writeUInt16BE(srv.port, 4);
      return answer(TYPE_SRV, Buffer.concat([fixed, nameBytes(srv.target)]));
    });
  }
  return [];
}

/** One resource record whose owner is the question's name (pointer to offset 12). */
function answer(type: number, data: Buffer): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0);
  fixed.writeUInt16BE(type, 2);
  fixed.writeUInt16BE(CLASS_IN, 4);
  fixed.writeUInt32BE(TTL_S, 6);
  fixed.writeUInt16BE(data.length, 10);
  return Buffer.concat([fixed, data]);
}

function nameBytes(name: string): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  return Buffer.concat([
    ...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')])),
    Buffer.from([0]),
  ]);
}

function ipv4Bytes(ip: string): Buffer {
  if (!isIPv4(ip)) throw new Error(`not an IPv4 address: ${ip}`);
  return Buffer.from(ip.split('.').map(Number));
}

function ipv6Bytes(ip: string): Buffer {
  if (!isIPv6(ip)) throw new Error(`not an IPv6 address: ${ip}`);
  const [head = '', tail] = ip.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const middle = new Array(8 - left.length - right.length).fill('0');
  const out = Buffer.alloc(16);
  [...left, ...middle, ...right].forEach((group, i) => {
    out.writeUInt16BE(Number.parseInt(group, 16), i * 2);
  });
  return out;
}
