/**
 * Binds the UDP socket and the TCP listener of one node on the same port
 * number. With port 0 the TCP listener takes an ephemeral port first and the
 * UDP socket follows on that number; if that UDP port is taken, both are
 * released and another port is tried. Every failure becomes a BindError that
 * names the address; nothing is left bound or listening after a failure.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as lookupCallback } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { createServer, isIP, type Server } from 'node:net';
import { formatAddress } from '../core/address.js';
import { BindError } from './errors.js';

export interface BoundSockets {
  readonly udp: Socket;
  readonly tcp: Server;
  /** The IP literal both are bound to. */
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export interface BindOptions {
  readonly host: string;
  readonly port: number;
  /** Tries with port 0 before giving up. Default 16. */
  readonly attempts?: number;
  /** Kernel buffer sizes for the UDP socket, when set. */
  readonly udpRecvBufferBytes?: number;
  readonly udpSendBufferBytes?: number;
}

/** Resolves a bind host to an IP literal and its family. */
export async function resolveBindHost(host: string, port: number): Promise<{ ip: string; family: 4 | 6 }> {
  const literal = isIP(host);
  if (literal === 4 || literal === 6) return { ip: host, family: literal };
  try {
    const found = await lookup(host);
    return { ip: found.address, family: found.family === 6 ? 6 : 4 };
  } catch (cause) {
    throw new BindError(formatAddress(host, port), `cannot resolve host "${host}"`, { cause });
  }
}

/**
 * dgram resolves every destination through a lookup function, by default
 * dns.lookup, which answers even an IP literal on a later tick. Peers are
 * almost always IP literals: answer those at once, so a datagram is handed to
 * the kernel within the send() call, and fall back to DNS for names.
 */
function literalFirstLookup(
  hostname: string,
  options: Parameters<typeof lookupCallback>[1],
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  lookupCallback(hostname, options as never, callback as never);
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return 'address already in use';
  if (code === 'EADDRNOTAVAIL') return 'address not available on this machine';
  if (code === 'EACCES') return 'permission denied';
  if (error instanceof Error) return error.message;
  return String(error);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true, ipv6Only: false });
  });
}

function bindUdp(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      socket.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ address: host, port, exclusive: true });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}

function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // never bound, or already closed
    }
  });
}

export async function bindSockets(options: BindOptions): Promise<BoundSockets> {
  const { ip, family } = await resolveBindHost(options.host, options.port);
  const attempts = options.port === 0 ? Math.max(1, options.attempts ?? 16) : 1;
  const asked = formatAddress(options.host, options.port);
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const tcp = createServer({ pauseOnConnect: false });
    tcp.on('error', () => {}); // bind errors are taken by listen(); later ones by the stream transport
    let port: number;
    try {
      port = await listen(tcp, ip, options.port);
    } catch (error) {
      await closeServer(tcp);
      throw new BindError(asked, `TCP: ${describe(error)}`, { cause: error });
    }
    const udp = createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      ipv6Only: false,
      lookup: literalFirstLookup as never,
    });
    udp.on('error', () => {});
    try {
      await bindUdp(udp, ip, port);
    } catch (error) {
      lastError = error;
      await Promise.all([closeServer(tcp), closeUdp(udp)]);
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (options.port === 0 && inUse) continue;
      throw new BindError(asked, `UDP: ${describe(error)}`, { cause: error });
    }
    try {
      if (options.udpRecvBufferBytes !== undefined) udp.setRecvBufferSize(options.udpRecvBufferBytes);
      if (options.udpSendBufferBytes !== undefined) udp.setSendBufferSize(options.udpSendBufferBytes);
    } catch {
      // The kernel may cap buffer sizes; the defaults still work.
    }
    return { udp, tcp, host: ip, port, family };
  }
  throw new BindError(asked, `UDP: no free port after ${attempts} tries (${describe(lastError)})`, {
    cause: lastError,
  });
}

/** Closes both sockets; resolves once the kernel released them. */
export async function closeSockets(sockets: Pick<BoundSockets, 'udp' | 'tcp'>): Promise<void> {
  await Promise.all([closeServer(sockets.tcp), closeUdp(sockets.udp)]);
}
