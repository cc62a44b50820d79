import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ADDRESS_CHARS_MAX,
  formatAddress,
  isIpAddress,
  isIpLiteral,
  isValidAddress,
  parseAddress,
} from '../../src/core/address.js';

describe('parseAddress', () => {
  it.each([
    ['10.0.0.1:7946', '10.0.0.1', 7946],
    ['localhost:0', 'localhost', 0],
    ['node-1.example.com:65535', 'node-1.example.com', 65535],
    ['[::1]:7946', '::1', 7946],
    ['[fe80::1%eth0]:80', 'fe80::1%eth0', 80],
    ['[2001:db8::7]:1', '2001:db8::7', 1],
  ])('accepts %s', (text, host, port) => {
    expect(parseAddress(text)).toEqual({ host, port });
    expect(isValidAddress(text)).toBe(true);
  });

  it.each([
    [''],
    ['10.0.0.1'],
    [':7946'],
    ['10.0.0.1:'],
    ['10.0.0.1:65536'],
    ['10.0.0.1:123456'],
    ['10.0.0.1:-1'],
    ['10.0.0.1:80a'],
    ['10.0.0.1:+80'],
    ['::1:7946'],
    ['[::1]7946'],
    ['[]:7946'],
    ['[10.0.0.1]:7946'],
    ['host name:80'],
    ['höst:80'],
    ['host/x:80'],
  ])('rejects %j', (text) => {
    expect(parseAddress(text)).toBeUndefined();
    expect(isValidAddress(text)).toBe(false);
  });

  it('reads any dotted quad with a port, leading zeros and out-of-range parts included, as its text says', () => {
    // Well-formed quads take a one-pass path, near misses the general one: both must give this.
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 255 }).map(String),
      fc.constantFrom('00', '01', '007', '256', '999', '1000'),
    );
    const portText = fc.oneof(
      fc.integer({ min: 0, max: 65_535 }).map(String),
      fc.constantFrom('0080', '00000', '65536', '99999', '123456'),
    );
    fc.assert(
      fc.property(fc.array(octet, { minLength: 4, maxLength: 4 }), portText, (octets, port) => {
        const host = octets.join('.');
        const expected =
          /^[0-9]{1,5}$/.test(port) && Number(port) <= 65_535 ? { host, port: Number(port) } : undefined;
        expect(parseAddress(`${host}:${port}`)).toEqual(expected);
      }),
      { seed: 41, numRuns: 1000 },
    );
  });

  it('rejects text longer than ADDRESS_CHARS_MAX and accepts it at the limit', () => {
    const port = ':7946';
    const atLimit = 'a'.repeat(ADDRESS_CHARS_MAX - port.length) + port;
    expect(isValidAddress(atLimit)).toBe(true);
    expect(isValidAddress(`a${atLimit}`)).toBe(false);
  });

  it('rejects non-strings without throwing', () => {
    expect(parseAddress(undefined as never)).toBeUndefined();
    expect(parseAddress(7946 as never)).toBeUndefined();
  });
});

describe('formatAddress', () => {
  it('brackets IPv6 hosts only', () => {
    expect(formatAddress('10.0.0.1', 7946)).toBe('10.0.0.1:7946');
    expect(formatAddress('::1', 7946)).toBe('[::1]:7946');
  });

  it('round-trips through parseAddress', () => {
    const host = fc.oneof(
      fc.ipV4(),
      fc.ipV6().filter((text) => !text.includes('.')),
      fc.domain(),
    );
    fc.assert(
      fc.property(host, fc.integer({ min: 0, max: 65535 }), (h, port) => {
        expect(parseAddress(formatAddress(h, port))).toEqual({ host: h, port });
      }),
      { seed: 41 },
    );
  });
});

describe('isIpLiteral and isIpAddress: what the wire may carry', () => {
  it.each([
    ['127.0.0.1', true],
    ['255.255.255.255', true],
    ['256.0.0.1', false],
    ['01.2.3.4', false],
    ['1.2.3', false],
    ['::1', true],
    ['::', true],
    ['fe80::1%eth0', true],
    ['::ffff:10.0.0.1', true],
    ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false],
    ['localhost', false],
    ['node-1.example.com', false],
  ])('%s: %s', (host, expected) => {
    expect(isIpLiteral(host)).toBe(expected);
  });

  it('agrees with node:net on arbitrary IPv4, IPv6 and near-miss strings', () => {
    const v6ish = fc.stringMatching(/^[0-9a-fA-F:.]{0,45}$/);
    const v4ish = fc.stringMatching(/^[0-9.]{0,16}$/);
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), v6ish, v4ish), (host) => {
        expect(isIpLiteral(host)).toBe(isIP(host) !== 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with parsing plus node:net on arbitrary address-like text', () => {
    const reference = (text: string) => {
      const parsed = parseAddress(text);
      return parsed !== undefined && isIP(parsed.host) !== 0;
    };
    const v4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 70_000 })).map(([h, p]) => `${h}:${p}`);
    const v6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 65535 })).map(([h, p]) => `[${h}]:${p}`);
    const near = fc.stringMatching(/^\[?[0-9a-f:.]{0,24}\]?:?[0-9]{0,7}$/);
    fc.assert(
      fc.property(fc.oneof(v4, v6, near, fc.string({ maxLength: 30 })), (text) => {
        expect(isIpAddress(text)).toBe(reference(text));
      }),
      { numRuns: 5000, seed: 7 },
    );
  });

  it.each([
    ['1.2.3.4:0', true],
    ['1.2.3.4:00080', true],
    ['1.2.3.4:65535', true],
    ['1.2.3.4:65536', false],
    ['1.2.3.4:123456', false],
    ['1.2.3.4:', false],
    ['1.2.3.4', false],
    ['1.2.3.04:80', false],
    ['1.2.3.256:80', false],
    ['1.2.3.1000:80', false],
    ['1.2.3:80', false],
    ['1.2.3.4.5:80', false],
    ['1.2.3.4:80:80', false],
    ['1.2..4:80', false],
    [' 1.2.3.4:80', false],
  ])('IPv4 with a port, %s: %s', (text, expected) => {
    expect(isIpAddress(text)).toBe(expected);
  });

  it('accepts "ip:port" and "[ip6]:port", refuses a name with a port', () => {
    expect(isIpAddress('10.0.0.1:7946')).toBe(true);
    expect(isIpAddress('[::1]:7946')).toBe(true);
    expect(isIpAddress('localhost:7946')).toBe(false);
    expect(isIpAddress('10.0.0.1')).toBe(false);
  });
});
