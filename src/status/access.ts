/**
 * Who may talk to the status API and what they may see.
 *
 * Host check (DNS rebinding): a web page on another site can make a browser
 * on this host resolve its own name to 127.0.0.1 and read the API as if it
 * were same-origin. Such a request still carries the attacker's name in its
 * Host header, so a request that arrives on a loopback address must name a
 * loopback host (localhost, 127.0.0.0/8, ::1) or this machine's host name.
 * Requests on other interfaces are not checked: the operator chose to expose
 * the API there, under names we cannot know.
 *
 * Private fields (the cluster key, the pid, the seeds and join errors, which
 * name seeds): shown to authorized callers only. With a token file, a caller
 * is authorized by `Authorization: Bearer <token>`; without one, by calling
 * from this host (a loopback peer address).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { hostname } from 'node:os';
import { MeshError } from '../core/errors.js';

/** The token file cannot be used (missing, empty, too short or too long). */
export class TokenFileError extends MeshError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MESH_TOKEN_FILE', message, options);
  }
}

/** A token shorter than this is too easy to guess for an API on the network. */
export const TOKEN_CHARS_MIN = 16;
const TOKEN_FILE_BYTES_MAX = 4096;

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(plain)) return plain.startsWith('127.');
  return plain === '::1';
}

/** The host part of a Host header: "[::1]:7947" -> "::1", "localhost:7947" -> "localhost". */
export function hostOfHeader(header: string): string {
  const text = header.trim().toLowerCase();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return end < 0 ? text : text.slice(1, end);
  }
  const colon = text.lastIndexOf(':');
  return colon < 0 ? text : text.slice(0, colon);
}

export interface HostCheck {
  /** Whether a request with this Host header may be served on a connection to `localAddress`. */
  allowed(localAddress: string | undefined, hostHeader: string | undefined): boolean;
}

export function createHostCheck(machineName: string = hostname()): HostCheck {
  const names = new Set(['localhost', machineName.toLowerCase()]);
  return {
    allowed(localAddress, hostHeader) {
      if (!isLoopbackAddress(localAddress)) return true;
      // HTTP/1.0 without Host: not a browser, so not a rebinding page.
      if (hostHeader === undefined || hostHeader === '') return true;
      const host = hostOfHeader(hostHeader);
      return names.has(host) || isLoopbackAddress(host);
    },
  };
}

export interface Authorizer {
  /** True when the caller may see the private fields. */
  authorized(remoteAddress: string | undefined, authorization: string | undefined): boolean;
  readonly usesToken: boolean;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Without a token: loopback callers are authorized. With one: callers that present it. */
export function createAuthorizer(token: string | undefined): Authorizer {
  if (token === undefined) {
    return { usesToken: false, authorized: (remote) => isLoopbackAddress(remote) };
  }
  const expected = digest(token);
  return {
    usesToken: true,
    authorized(_remote, authorization) {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
      if (match === null) return false;
      // Digests of equal length, so the comparison time says nothing about the token.
      return timingSafeEqual(digest(match[1] as string), expected);
    },
  };
}

/** Reads a bearer token: the file's content without surrounding whitespace, printable ASCII. */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    // Size first: a wrong path (a log, a device) must not be read whole.
    if (statSync(path).size > TOKEN_FILE_BYTES_MAX) {
      throw new TokenFileError(`token file ${path}: larger than ${TOKEN_FILE_BYTES_MAX} bytes`);
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    if (error instanceof TokenFileError) throw error;
    throw new TokenFileError(`token file ${path}: ${why}`, { cause: error });
  }
  const token = text.trim();
  if (token.length < TOKEN_CHARS_MIN) {
    throw new TokenFileError(
      `token file ${path}: the token must be at least ${TOKEN_CHARS_MIN} characters (e.g. "openssl rand -hex 32")`,
    );
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new TokenFileError(`token file ${path}: the token must be printable ASCII without spaces`);
  }
  return token;
}
