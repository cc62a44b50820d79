/**
 * What a seed may be, in one place: an address ("10.0.0.1:7946",
 * "[fd00::1]:7946"), a hostname and port ("meshnode.default.svc:7946",
 * every A and AAAA record of the name is a candidate) or a DNS SRV name
 * ("srv:_meshnode._udp.example.internal", targets and ports from the
 * records). Names are local configuration only: addresses learnt from peers
 * are never looked up.
 */
import { formatAddress, parseAddress } from '../core/address.js';

export const SRV_SEED_PREFIX = 'srv:';

/** Longest DNS name (RFC 1035), without the trailing dot. */
const DNS_NAME_CHARS_MAX = 253;
const DNS_LABEL_CHARS_MAX = 63;

export type SeedSpec =
  | { readonly kind: 'address'; readonly host: string; readonly port: number }
  | { readonly kind: 'srv'; readonly name: string };

/**
 * True for a DNS name of labels of letters, digits, '-' and '_' (SRV owner
 * names start with "_service._proto"), 1..63 characters each, at most 253 in
 * all; one trailing dot is allowed.
 */
export function isDnsName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > DNS_NAME_CHARS_MAX) return false;
  return name
    .split('.')
    .every(
      (label) => label.length > 0 && label.length <= DNS_LABEL_CHARS_MAX && /^[A-Za-z0-9_-]+$/.test(label),
    );
}

/** Parses one seed; undefined when it is none of the accepted forms. */
export function parseSeed(text: unknown): SeedSpec | undefined {
  if (typeof text !== 'string') return undefined;
  if (text.slice(0, SRV_SEED_PREFIX.length).toLowerCase() === SRV_SEED_PREFIX) {
    const name = text.slice(SRV_SEED_PREFIX.length);
    return isDnsName(name) ? { kind: 'srv', name } : undefined;
  }
  const address = parseAddress(text);
  return address === undefined ? undefined : { kind: 'address', host: address.host, port: address.port };
}

/** The canonical text of a parsed seed: bracketed IPv6, lower-case "srv:" prefix. */
export function formatSeed(seed: SeedSpec): string {
  return seed.kind === 'srv' ? `${SRV_SEED_PREFIX}${seed.name}` : formatAddress(seed.host, seed.port);
}

/** What the accepted forms are, for error messages. */
export const SEED_FORMS = '"host:port", "[v6]:port" or "srv:_service._proto.name"';
