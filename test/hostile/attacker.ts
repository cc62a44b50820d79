/**
 * A small attacker for the hostile tests: raw UDP and TCP senders whose
 * packets and frames are built with the project's own codec, so they carry
 * the cluster's label and pass the envelope check as a peer's would. Every
 * socket it opens is closed by close(), which a test calls in afterEach so
 * nothing outlives a failure. It only ever talks to loopback.
 *
 *   const attacker = new Attacker({ key, env, source: '127.66.0.1' });
 *   attacker.udp(to, attacker.packet([{ type: 'ping', seq: 1, targetId, fromId, viewId: 0 }]));
 *   await attacker.tcp(to, attacker.stateFrame(state));  // connect, write, keep it open
 *   await attacker.silent(to, 160);                     // connections that never send a byte
 *   const answer = await attacker.sync(to, state);      // a real push-pull: the decoded answer
 *   attacker.datagrams                                  // what came back to its UDP port, decoded
 *   attacker.close();
 *
 * Builders (no socket): packet(messages), state(members), stateFrame(state),
 * frame(kind, payload), declaredFrame(kind, bytes) (a header alone, claiming
 * `bytes`), envelope(payload) (the label's header before hand-made msgpack),
 * fakeMember(i, overrides). `source` is the loopback address the attacker's
 * sockets are bound to: a 127.x address other than the agents' 127.0.0.1
 * makes it another host as far as per-source limits go.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import {
  clusterLabel,
  decodePacket,
  encodePacket,
  encodeState,
  MsgpackCodec,
} from '../../src/codec/index.js';
import { formatAddress, parseAddress } from '../../src/core/address.js';
import type { Message, StateMessage, SyncRequest } from '../../src/core/messages.js';
import type { MemberSnapshot } from '../../src/core/types.js';
import { encodeFrame, FrameDecoder, FrameKind } from '../../src/runtime/framing.js';

export { FrameKind } from '../../src/runtime/framing.js';

export interface AttackerOptions {
  readonly key: string;
  readonly env: string;
  /** Loopback address the attacker sends from. Default 127.66.0.1. */
  readonly source?: string;
}

/** Ceiling of any single wait of the attacker (a connect, an answer). */
const WAIT_MS = 10_000;

function hostPort(address: string): { host: string; port: number } {
  const parsed = parseAddress(address);
  if (parsed === undefined) throw new Error(`not host:port: ${address}`);
  return parsed;
}

export class Attacker {
  readonly label: number;
  readonly source: string;
  /** Datagrams that reached the attacker's UDP socket (answers to what it sent), decoded. */
  readonly datagrams: { from: string; messages: Message[] | undefined }[] = [];
  private readonly sockets = new Set<Socket>();
  private udpSocket: UdpSocket | undefined;

  constructor(options: AttackerOptions) {
    this.label = clusterLabel(options.key, options.env);
    this.source = options.source ?? '127.66.0.1';
  }

  // Builders

  packet(messages: readonly Message[]): Uint8Array {
    return encodePacket(messages, this.label);
  }

  state(members: readonly MemberSnapshot[], fromId = 'attacker', join = false): StateMessage {
    return { type: 'state', join, fromId, members };
  }

  stateFrame(state: StateMessage): Buffer {
    return encodeFrame(FrameKind.state, encodeState(state, this.label));
  }

  frame(kind: FrameKind, payload: Uint8Array): Buffer {
    return encodeFrame(kind, payload);
  }

  /** A frame header alone that claims `bytes` of payload. */
  declaredFrame(kind: FrameKind, bytes: number): Buffer {
    const header = Buffer.alloc(5);
    header.writeUInt32BE(bytes, 0);
    header.writeUInt8(kind, 4);
    return header;
  }

  /** The label's 8-byte envelope followed by `payload` (hand-made msgpack). */
  envelope(payload: Uint8Array): Uint8Array {
    const bytes = new Uint8Array(8 + payload.length);
    bytes.set([0x4d, 0x4e, 1, 0]);
    new DataView(bytes.buffer).setUint32(4, this.label);
    bytes.set(payload, 8);
    return bytes;
  }

  fakeMember(i: number, overrides: Partial<MemberSnapshot> = {}): MemberSnapshot {
    return {
      id: `fake-${i}`,
      address: `127.66.${(i >> 8) & 0xff}.${i & 0xff}:${1024 + (i % 60_000)}`,
      incarnation: 1,
      state: 'alive',
      threads: 1,
      metadata: {},
      viewDelayMs: 0,
      ...overrides,
    };
  }

  // Senders

  /** The "host:port" the attacker's datagrams come from (its socket is opened on first use). */
  async udpAddress(): Promise<string> {
    const socket = await this.udpFrom();
    const { address, port } = socket.address();
    return formatAddress(address, port);
  }

  /** One datagram from `source`. */
  async udp(to: string, bytes: Uint8Array): Promise<void> {
    const socket = await this.udpFrom();
    const { host, port } = hostPort(to);
    await new Promise<void>((resolve, reject) =>
      socket.send(bytes, port, host, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Connects from `source`, writes `bytes` (if any) and leaves the connection open. */
  async tcp(to: string, bytes?: Uint8Array): Promise<Socket> {
    const { host, port } = hostPort(to);
    const socket = connect({ host, port, localAddress: this.source });
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connect to ${to} timed out`)), WAIT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    if (bytes !== undefined && bytes.length > 0) socket.write(bytes);
    return socket;
  }

  /** `count` connections that never send a byte. */
  async silent(to: string, count: number): Promise<Socket[]> {
    const sockets: Socket[] = [];
    for (let i = 0; i < count; i++) sockets.push(await this.tcp(to));
    return sockets;
  }

  /** A push-pull with `to`: sends `state` (or a digest), resolves with its decoded answer or rejects with why not. */
  async sync(to: string, state: SyncRequest): Promise<StateMessage> {
    const limits = { stateBytesMax: 1 << 30, membersMax: 1_000_000, metadataBytesMax: 16_384 };
    const codec = new MsgpackCodec({
      label: this.label,
      packetLimits: { packetBytesMax: 65_000, metadataBytesMax: 16_384 },
      stateLimits: limits,
    });
    const socket = await this.tcp(to, encodeFrame(FrameKind.state, codec.encodeState(state)));
    const decoder = new FrameDecoder({ packet: -1, state: 1 << 30 });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer from ${to}`));
      }, WAIT_MS);
      socket.on('data', (chunk: Buffer) => {
        const { frames, error } = decoder.push(chunk);
        const answer = frames[0];
        if (error === undefined && answer === undefined) return;
        clearTimeout(timer);
        socket.destroy();
        if (answer === undefined) return reject(new Error(`bad answer frame: ${error}`));
        // The answer may be deflated: the codec inflates it.
        const result = codec.decodeState(answer.payload);
        if (result.ok) resolve(result.state);
        else reject(new Error(`answer refused: ${result.reason}`));
      });
      socket.on('close', () => {
        clearTimeout(timer);
        reject(new Error(`${to} closed without an answer`));
      });
    });
  }

  /** Connections still open. */
  get openConnections(): number {
    return this.sockets.size;
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.udpSocket?.close();
    this.udpSocket = undefined;
  }

  private async udpFrom(): Promise<UdpSocket> {
    if (this.udpSocket !== undefined) return this.udpSocket;
    const socket = createSocket(this.source.includes(':') ? 'udp6' : 'udp4');
    socket.on('error', () => {});
    const limits = { packetBytesMax: 65_535, metadataBytesMax: 16_384 };
    socket.on('message', (bytes, remote) => {
      const result = decodePacket(bytes, this.label, limits);
      this.datagrams.push({
        from: formatAddress(remote.address, remote.port),
        messages: result.ok ? result.messages : undefined,
      });
    });
    await new Promise<void>((resolve) => socket.bind(0, this.source, resolve));
    this.udpSocket = socket;
    return socket;
  }
}
