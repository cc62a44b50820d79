/**
 * Where seed names are looked up. The default asks the system (getaddrinfo
 * for hostnames, so /etc/hosts and the resolv.conf search list apply, as a
 * Kubernetes pod expects; the resolv.conf servers for SRV). A resolver made
 * by createDnsResolver asks the DNS servers it is given instead, for
 * hostnames and SRV alike. An application may pass its own.
 */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ValidationError } from '../core/errors.js';

/** One SRV record (RFC 2782). */
export interface ServiceRecord {
  /** The target host name (or, unusually, an IP literal). */
  readonly name: string;
  readonly port: number;
  /** Lower is tried first. */
  readonly priority: number;
  /** Among records of one priority, higher is tried first. */
  readonly weight: number;
}

export interface SeedResolver {
  /**
   * Every IP address of a hostname, IPv4 and IPv6. Rejects when the name is
   * unknown or has no address; a `code` such as ENOTFOUND, ENODATA or
   * ETIMEOUT on the error is reported by name.
   */
  addresses(host: string): Promise<string[]>;
  /** The SRV records of a name (e.g. "_meshnode._udp.example.internal"). */
  services(name: string): Promise<ServiceRecord[]>;
}

/** getaddrinfo for hostnames, the system's DNS servers for SRV. */
export const systemResolver: SeedResolver = {
  async addresses(host) {
    const found = await lookup(host, { all: true, verbatim: true });
    return found.map((entry) => entry.address);
  },
  async services(name) {
    return new Resolver().resolveSrv(name);
  },
};

export interface DnsResolverOptions {
  /** DNS servers as "ip" or "ip:port" ("[v6]:port" for IPv6), asked in order. */
  readonly servers: readonly string[];
  /** How long one query waits for an answer before it is sent again. Default 1000 ms. */
  readonly queryTimeoutMs?: number;
  /** Sends per query, per server, the first included. Default 2. */
  readonly tries?: number;
}

/** A resolver that asks only the given DNS servers (A, AAAA and SRV queries). */
export function createDnsResolver(options: DnsResolverOptions): SeedResolver {
  const { servers } = options;
  if (!Array.isArray(servers) || servers.length === 0)
    throw new ValidationError('DNS servers: give at least one "ip" or "ip:port"');
  const queryTimeoutMs = options.queryTimeoutMs ?? 1000;
  const tries = options.tries ?? 2;
  if (!Number.isInteger(queryTimeoutMs) || queryTimeoutMs < 1 || queryTimeoutMs > 60_000)
    throw new ValidationError('DNS queryTimeoutMs must be an integer between 1 and 60000');
  if (!Number.isInteger(tries) || tries < 1 || tries > 10)
    throw new ValidationError('DNS tries must be an integer between 1 and 10');
  const resolver = new Resolver({ timeout: queryTimeoutMs, tries });
  try {
    resolver.setServers([...servers]);
  } catch (error) {
    throw new ValidationError(`DNS servers ${JSON.stringify(servers)}: ${(error as Error).message}`);
  }
  return {
    async addresses(host) {
      if (isIP(host) !== 0) return [host];
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
      const found = [
        ...(v4.status === 'fulfilled' ? v4.value : []),
        ...(v6.status === 'fulfilled' ? v6.value : []),
      ];
      if (found.length > 0) return found;
      // Neither family answered: report the more telling failure (a timeout over "no data").
      const reasons = [v4, v6].flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      const telling = reasons.find((reason) => (reason as NodeJS.ErrnoException).code !== 'ENODATA');
      throw telling ?? reasons[0] ?? Object.assign(new Error(`no address for ${host}`), { code: 'ENODATA' });
    },
    async services(name) {
      return resolver.resolveSrv(name);
    },
  };
}

/** Checks an application's resolver option has both methods. */
export function checkSeedResolver(value: unknown): SeedResolver {
  const candidate = value as Partial<SeedResolver> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.addresses !== 'function' ||
    typeof candidate.services !== 'function'
  )
    throw new ValidationError('resolver must be an object with addresses(host) and services(name) methods');
  return candidate as SeedResolver;
}
