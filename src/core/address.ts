/**
 * Canonical "host:port" addresses. IPv6 hosts are written in brackets
 * ("[::1]:7946") so that the last colon always separates the port.
 */

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Longest address text accepted anywhere (a DNS name is at most 253 bytes). */
export const ADDRESS_CHARS_MAX = 262;

/** Parses "host:port" or "[v6]:port"; returns undefined for anything else. */
export function parseAddress(text: string): HostPort | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > ADDRESS_CHARS_MAX) return undefined;
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 2 || text[close + 1] !== ':') return undefined;
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!host.includes(':')) return undefined;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 1) return undefined;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return undefined;
  }
  if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  if (!/^[A-Za-z0-9._:%-]+$/.test(host)) return undefined;
  return { host, port };
}

/** Formats a host and port, bracketing IPv6 hosts. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isValidAddress(text: string): boolean {
  return parseAddress(text) !== undefined;
}
