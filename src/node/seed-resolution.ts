/**
 * Turns seeds into IP addresses to join through: IP literals as they are,
 * a hostname into every A and AAAA record, an SRV name into its targets'
 * addresses with each record's port. Looked up again on every call, so a
 * seed that moved (a rescheduled pod) is found. Every lookup has a deadline
 * and every list a bound; a failure is reported per seed, never thrown.
 */
import { isIP } from 'node:net';
import { formatAddress } from '../core/address.js';
import type { SeedResolver, ServiceRecord } from './seed-resolver.js';
import { parseSeed, SEED_FORMS } from './seed-syntax.js';

/** Addresses kept per hostname: a headless Service of a large StatefulSet stays bounded. */
export const ADDRESSES_PER_NAME_MAX = 64;
/** SRV records kept per name, the most preferred first. */
export const SERVICE_RECORDS_MAX = 32;
/** Longest wait for one name, whatever the resolver does. */
export const LOOKUP_DEADLINE_MS = 5000;

export interface ResolvedSeeds {
  /** IP "host:port" addresses, deduplicated, in seed order (SRV targets by priority, then weight). */
  readonly addresses: string[];
  /** Seeds that gave no address, with the reason. */
  readonly failures: Record<string, string>;
}

/** True when the seed is an IP "host:port" that needs no lookup. */
export function isAddressSeed(seed: string): boolean {
  const parsed = parseSeed(seed);
  return parsed?.kind === 'address' && isIP(parsed.host) !== 0;
}

export async function resolveSeeds(seeds: readonly string[], resolver: SeedResolver): Promise<ResolvedSeeds> {
  const failures: Record<string, string> = {};
  const lists = await Promise.all(
    seeds.map(async (seed): Promise<string[]> => {
      try {
        const found = await resolveSeed(seed, resolver);
        if (found.length === 0) failures[seed] = 'no address';
        return found;
      } catch (error) {
        failures[seed] = describeLookupFailure(error);
        return [];
      }
    }),
  );
  return { addresses: [...new Set(lists.flat())], failures };
}

async function resolveSeed(seed: string, resolver: SeedResolver): Promise<string[]> {
  const parsed = parseSeed(seed);
  if (parsed === undefined) throw worded(`not ${SEED_FORMS}`);
  if (parsed.kind === 'srv') return resolveService(parsed.name, resolver);
  const { host, port } = parsed;
  const ips = isIP(host) !== 0 ? [host] : await hostAddresses(host, resolver);
  return ips.map((ip) => formatAddress(ip, port));
}

async function hostAddresses(host: string, resolver: SeedResolver): Promise<string[]> {
  const ips = await withDeadline(resolver.addresses(host), host);
  return ips.filter((ip) => typeof ip === 'string' && isIP(ip) !== 0).slice(0, ADDRESSES_PER_NAME_MAX);
}

async function resolveService(name: string, resolver: SeedResolver): Promise<string[]> {
  let answered: ServiceRecord[];
  try {
    answered = await withDeadline(resolver.services(name), name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOTFOUND') throw worded('unknown SRV name');
    if (code === 'ENODATA') throw worded('no SRV record');
    throw error;
  }
  const records = preferred(answered);
  if (records.length === 0) throw worded('no usable SRV record');
  const lists = await Promise.allSettled(
    records.map(async (record) => {
      const ips = isIP(record.name) !== 0 ? [record.name] : await hostAddresses(record.name, resolver);
      return ips.map((ip) => formatAddress(ip, record.port));
    }),
  );
  const found = lists.flatMap((list) => (list.status === 'fulfilled' ? list.value : []));
  if (found.length > 0) return found.slice(0, ADDRESSES_PER_NAME_MAX);
  const first = lists.find((list) => list.status === 'rejected');
  const why = first === undefined ? 'no address' : describeLookupFailure(first.reason);
  throw worded(`no SRV target resolved (${records[0]?.name}: ${why})`);
}

/**
 * Usable records, most preferred first: lowest priority, then highest
 * weight. A target of "." (RFC 2782: the service is not offered here) and
 * ports outside 1..65535 are dropped.
 */
function preferred(records: readonly ServiceRecord[]): ServiceRecord[] {
  return records
    .filter(
      (r) => r.name !== '' && r.name !== '.' && Number.isInteger(r.port) && r.port > 0 && r.port <= 65_535,
    )
    .sort((a, b) => a.priority - b.priority || b.weight - a.weight)
    .slice(0, SERVICE_RECORDS_MAX);
}

/** A failure whose message is already worded for people (never leaves this file). */
function worded(message: string): Error {
  return Object.assign(new Error(message), { worded: true });
}

function describeLookupFailure(error: unknown): string {
  if ((error as { worded?: unknown } | undefined)?.worded === true) return (error as Error).message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOTFOUND':
      return 'unknown host';
    case 'ENODATA':
      return 'no address';
    case 'ETIMEOUT':
    case 'EAI_AGAIN':
      return 'DNS lookup timed out';
    case 'ESERVFAIL':
      return 'DNS server failure';
    case 'EREFUSED':
      return 'DNS server refused the query';
    case 'EBADRESP':
    case 'EFORMERR':
      return 'bad answer from the DNS server';
    case 'ECONNREFUSED':
      return 'no DNS server answers (connection refused)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function withDeadline<T>(pending: Promise<T>, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`lookup of ${name} timed out`), { code: 'ETIMEOUT' })),
      LOOKUP_DEADLINE_MS,
    );
  });
  return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
}
