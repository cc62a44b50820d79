/**
 * Parsers for flag and config-file values. Each takes what a user typed (a
 * flag string) or what a JSON config holds (a number, a boolean, an array) and
 * returns the typed value, or throws a ValueError whose message names the
 * field and says what was expected. The caller turns that into a usage error
 * (flags) or a config error (file).
 */
import { isIP } from 'node:net';
import { formatAddress, parseAddress } from '../core/address.js';
import { MeshError } from '../core/errors.js';
import { formatSeed, parseSeed, SRV_SEED_PREFIX } from '../node/seed-syntax.js';

export class ValueError extends MeshError {
  constructor(message: string) {
    super('ERR_MESH_VALUE', message);
  }
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * "host:port", "[v6]:port", or a bare port when `defaultHost` is given
 * ("7946" means defaultHost:7946). Hostnames are kept as written.
 */
export function parseHostPort(field: string, value: unknown, defaultHost?: string): HostPort {
  if (typeof value === 'number' && defaultHost !== undefined)
    return { host: defaultHost, port: port(field, value) };
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValueError(`${field} must be "host:port", got ${JSON.stringify(value)}`);
  }
  const text = value.trim();
  if (defaultHost !== undefined && /^[0-9]+$/.test(text))
    return { host: defaultHost, port: port(field, Number(text)) };
  if (defaultHost !== undefined && /^:[0-9]+$/.test(text)) {
    return { host: defaultHost, port: port(field, Number(text.slice(1))) };
  }
  const parsed = parseAddress(text);
  const portText = /:([0-9]+)$/.exec(text)?.[1];
  if (parsed === undefined && portText !== undefined && Number(portText) > 65_535) {
    throw new ValueError(
      `${field} port must be between 0 and 65535, got ${portText} (in ${JSON.stringify(value)})`,
    );
  }
  if (parsed === undefined) {
    throw new ValueError(`${field} must be "host:port" (IPv6: "[::1]:7946"), got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function port(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new ValueError(`${field} port must be between 0 and 65535, got ${value}`);
  }
  return value;
}

/** A comma-separated string or an array of "host:port" seeds; empty entries are skipped. */
export function parseSeedList(field: string, value: unknown): string[] {
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',');
  else if (Array.isArray(value)) items = value;
  else
    throw new ValueError(
      `${field} must be "host:port,srv:name,..." or an array, got ${JSON.stringify(value)}`,
    );
  const seeds: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string')
      throw new ValueError(`${field} entries must be strings, got ${JSON.stringify(item)}`);
    const text = item.trim();
    if (text === '') continue;
    if (text.slice(0, SRV_SEED_PREFIX.length).toLowerCase() === SRV_SEED_PREFIX) {
      const service = parseSeed(text);
      if (service === undefined)
        throw new ValueError(`${field}: ${JSON.stringify(text)} is not "srv:" followed by a DNS name`);
      seeds.push(formatSeed(service));
      continue;
    }
    const parsed = parseHostPort(field, text);
    if (parsed.port === 0)
      throw new ValueError(`${field}: seed ${JSON.stringify(text)} needs a non-zero port`);
    seeds.push(formatAddress(parsed.host, parsed.port));
  }
  return seeds;
}

export function parseInteger(field: string, value: unknown, min: number, max: number): number {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && /^-?[0-9]+$/.test(value.trim())) number = Number(value.trim());
  else throw new ValueError(`${field} must be an integer, got ${JSON.stringify(value)}`);
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new ValueError(`${field} must be an integer between ${min} and ${max}, got ${number}`);
  }
  return number;
}

export function parseBoolean(field: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 'yes') return true;
  if (value === 'false' || value === '0' || value === 'no') return false;
  throw new ValueError(`${field} must be true or false, got ${JSON.stringify(value)}`);
}

export function parseString(field: string, value: unknown, maxLength = 1024): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValueError(`${field} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  if (value.length > maxLength) throw new ValueError(`${field} must be at most ${maxLength} characters`);
  return value;
}

export function parseChoice<T extends string>(field: string, value: unknown, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new ValueError(`${field} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
}

/** "k=v" strings (repeated flag) or a JSON object of strings. */
export function parseMetadata(field: string, value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item !== 'string' || !item.includes('=') || item.startsWith('=')) {
        throw new ValueError(`${field} must be key=value, got ${JSON.stringify(item)}`);
      }
      const at = item.indexOf('=');
      out[item.slice(0, at)] = item.slice(at + 1);
    }
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry !== 'string') throw new ValueError(`${field}.${key} must be a string`);
      out[key] = entry;
    }
    return out;
  }
  throw new ValueError(`${field} must be key=value pairs or an object of strings`);
}

/** Formats milliseconds for people: "850 ms", "1.24 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** DNS servers as "ip", "ip:port" or "[v6]:port", comma-separated or an array; at least one. */
export function parseDnsServers(field: string, value: unknown): string[] {
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (items === undefined)
    throw new ValueError(`${field} must be "ip,ip:port,..." or an array, got ${JSON.stringify(value)}`);
  const servers: string[] = [];
  for (const item of items) {
    const text = typeof item === 'string' ? item.trim() : '';
    if (text === '') continue;
    const withPort = parseAddress(text);
    const host = isIP(text) !== 0 ? text : withPort?.host;
    if (host === undefined || isIP(host) === 0 || withPort?.port === 0)
      throw new ValueError(`${field}: ${JSON.stringify(item)} is not an IP address with an optional port`);
    servers.push(text);
  }
  if (servers.length === 0) throw new ValueError(`${field} must name at least one DNS server`);
  return servers;
}
