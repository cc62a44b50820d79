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
  // IPv4 with a port, nearly every address a node sends to, is read in one
  // pass: this runs at every datagram sent, and the general path below runs
  // two regexes and makes two slices.
  const ipv4Port = ipv4PortOf(text);
  if (ipv4Port >= 0) return { host: text.slice(0, text.lastIndexOf(':')), port: ipv4Port };
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
  if (typeof text !== 'string') return false;
  // Every address of every decoded message comes through here: IPv4 is read
  // in one pass, without the regexes and the slices of the general parser.
  if (!text.startsWith('[')) return ipv4PortOf(text) >= 0;
  const parsed = parseAddress(text);
  return parsed !== undefined && isIpLiteral(parsed.host);
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const DOT = 0x2e;
const COLON = 0x3a;
const PORT_DIGITS_MAX = 5;
const PORT_MAX = 65535;
const OCTET_MAX = 255;

/**
 * Where the dotted-quad IPv4 address at the start of `text` ends, or -1:
 * four decimal octets up to 255, without leading zeros ("01" is refused, as
 * by node:net).
 */
function ipv4End(text: string): number {
  let at = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(at) !== DOT) return -1;
      at++;
    }
    const start = at;
    let octet = 0;
    while (at < text.length && at - start < 4) {
      const code = text.charCodeAt(at);
      if (code < DIGIT_0 || code > DIGIT_9) break;
      octet = octet * 10 + (code - DIGIT_0);
      at++;
    }
    const digits = at - start;
    if (digits === 0 || digits > 3 || (digits > 1 && text.charCodeAt(start) === DIGIT_0)) return -1;
    if (octet > OCTET_MAX) return -1;
  }
  return at;
}

/**
 * The port of "a.b.c.d:port" exactly as parseAddress's general path and
 * isIpv4Literal accept it, or -1 for any other text.
 */
function ipv4PortOf(text: string): number {
  let at = ipv4End(text);
  if (at < 0 || text.charCodeAt(at) !== COLON) return -1;
  at++;
  const digits = text.length - at;
  if (digits < 1 || digits > PORT_DIGITS_MAX) return -1;
  let port = 0;
  for (; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < DIGIT_0 || code > DIGIT_9) return -1;
    port = port * 10 + (code - DIGIT_0);
  }
  return port <= PORT_MAX ? port : -1;
}

/** A dotted-quad IPv4 address or an IPv6 address (an optional %zone, an optional dotted-quad tail). */
export function isIpLiteral(host: string): boolean {
  return host.includes(':') ? isIpv6Literal(host) : isIpv4Literal(host);
}

const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const IPV6_GROUPS = 8;

function isIpv4Literal(host: string): boolean {
  return ipv4End(host) === host.length;
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
