import { describe, expect, it } from 'vitest';
import type { MeshCoreOptions } from '../../src/core/core.js';
import { ConfigError, createNode, MetadataTooLargeError, ValidationError } from '../../src/index.js';
import { type NodeOptions, resolveOptions } from '../../src/node/options.js';
import { SoloCore } from '../core/harness.js';

describe('createNode options', () => {
  it('requires a cluster key in network mode', async () => {
    await expect(createNode({ bind: { host: '127.0.0.1', port: 0 } })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('validates ids, threads, seeds and metadata before binding anything', () => {
    const base = { key: 'k', bind: { host: '127.0.0.1', port: 0 } };
    expect(() => resolveOptions({ ...base, id: '' })).toThrow(ValidationError);
    expect(() => resolveOptions({ ...base, id: 'é'.repeat(65) })).toThrow(ValidationError);
    expect(() => resolveOptions({ ...base, threads: 0 })).toThrow(ValidationError);
    expect(() => resolveOptions({ ...base, threads: 1.5 })).toThrow(ValidationError);
    expect(() => resolveOptions({ ...base, seeds: ['nope'] })).toThrow(ValidationError);
    expect(() => resolveOptions({ ...base, seeds: ['::1:7946'] })).toThrow(ValidationError);
    expect(() => resolveOptions({ ...base, metadata: { n: 1 as unknown as string } })).toThrow(
      ValidationError,
    );
    expect(() => resolveOptions({ ...base, metadata: { big: 'x'.repeat(1000) } })).toThrow(
      MetadataTooLargeError,
    );
    expect(() => resolveOptions({ ...base, bind: { port: 70000 } })).toThrow(ValidationError);
    expect(() => resolveOptions({ ...base, transport: { syncsMax: 0 } })).toThrow(ValidationError);
  });

  it('resolves config over a preset and reports bad fields by name', () => {
    const resolved = resolveOptions({ key: 'k', preset: 'local', config: { probeIntervalMs: 150 } });
    expect(resolved.config.probeIntervalMs).toBe(150);
    expect(resolved.config.gossipIntervalMs).toBe(50);
    expect(resolved.env).toBe('default');
    expect(resolved.bindHost).toBe('0.0.0.0');
    expect(resolved.bindPort).toBe(7946);
    expect(() => resolveOptions({ key: 'k', config: { probeIntervalMs: 1 } })).toThrow(ConfigError);
    expect(() => resolveOptions({ key: 'k', config: { nope: 1 } as never })).toThrow(ConfigError);
  });

  it('accepts IPv6 seeds in brackets and host names', () => {
    const resolved = resolveOptions({ key: 'k', seeds: ['[::1]:7946', 'seed.example:7946', '10.0.0.1:1'] });
    expect(resolved.seeds).toHaveLength(3);
  });

  it('raises a larger metadata limit through config', () => {
    const resolved = resolveOptions({
      key: 'k',
      config: { metadataBytesMax: 2048, packetBytesMax: 4000 },
      metadata: { big: 'x'.repeat(1000) },
    });
    expect(resolved.metadata.big).toHaveLength(1000);
  });

  it('holds static and network mode, and the core, to the same id and metadata rules', () => {
    const sixtyFiveKeys = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, '']));
    const cases: ReadonlyArray<[string, Partial<NodeOptions>, string]> = [
      ['65 metadata keys', { metadata: sixtyFiveKeys }, 'metadata has 65 keys, over 64'],
      [
        'a lone surrogate in metadata',
        { metadata: { k: '\ud800' } },
        'metadata "k" is not well-formed Unicode',
      ],
      ['a lone surrogate in the id', { id: 'a\ud800' }, 'id is not well-formed Unicode'],
      ['an escape in the id', { id: '\u001b]0;pwned\u0007' }, 'id contains a control character'],
      ['an id over 128 bytes', { id: 'é'.repeat(65) }, 'id must be at most 128 UTF-8 bytes'],
    ];
    for (const [what, bad, message] of cases) {
      const expected = new ValidationError(message);
      expect(() => resolveOptions({ key: 'k', ...bad }), `network: ${what}`).toThrow(expected);
      expect(() => resolveOptions({ static: { index: 0, total: 1 }, ...bad }), `static: ${what}`).toThrow(
        expected,
      );
      expect(() => new SoloCore({ ...(bad as Partial<MeshCoreOptions>) }), `core: ${what}`).toThrow(expected);
    }
  });
});
