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

/**
 * Whether `text` is "host:port" with an IP literal for a host. Addresses
 * that arrive over the network must be: a name would make every send to it
 * a DNS lookup chosen by whoever wrote the packet. Names stay a local
 * configuration feature (seeds, the advertised host), resolved by the host.
 */
export function isIpAddress(text: string): boolean {
  const parsed = parseAddress(text);
  return parsed !== undefined && isIpLiteral(parsed.host);
}

/** A dotted-quad IPv4 address or an IPv6 address (an optional %zone, an optional dotted-quad tail). */
export function isIpLiteral(host: string): boolean {
  return host.includes(':') ? isIpv6Literal(host) : isIpv4Literal(host);
}

const IPV4_PART = /^(?:0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const IPV6_GROUPS = 8;

function isIpv4Literal(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((part) => IPV4_PART.test(part) && Number(part) <= 255);
}

function isIpv6Literal(host: string): boolean {
  const zoneAt = host.indexOf('%');
  const address = zoneAt === -1 ? host : host.slice(0, zoneAt);
  if (zoneAt !== -1 && !/^[A-Za-z0-9._-]{1,64}$/.test(host.slice(zoneAt + 1))) return false;
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  const all = [...head, ...tail];
  let groups = all.length;
  const last = all[all.length - 1] ?? '';
  if (last.includes('.')) {
    // An IPv4 tail stands for two groups.
    if (!isIpv4Literal(last)) return false;
    all.pop();
    groups++;
  }
  if (!all.every((group) => IPV6_GROUP.test(group))) return false;
  return halves.length === 2 ? groups < IPV6_GROUPS : groups === IPV6_GROUPS;
}
