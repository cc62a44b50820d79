import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { msgpackWireFormat } from '../../src/codec/index.js';
import {
  integerBounds,
  type PresetName,
  type ProtocolConfig,
  presets,
  resolveConfig,
  validateConfig,
} from '../../src/core/config.js';
import { ConfigError, MeshError } from '../../src/core/errors.js';

function rejection(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

type IntegerField = keyof typeof integerBounds;
const fields = Object.keys(integerBounds) as IntegerField[];

/**
 * Other fields set so that `field = value` passes every relation between
 * fields (timeout within interval, tombstones outliving gossip to the dead,
 * the largest alive message within a packet); only the bound itself decides.
 */
function companions(field: IntegerField, value: number): Partial<ProtocolConfig> {
  const lan = presets.lan;
  switch (field) {
    case 'probeIntervalMs':
      return { probeTimeoutMs: Math.max(1, Math.min(lan.probeTimeoutMs, value)) };
    case 'probeTimeoutMs':
      return { probeIntervalMs: Math.min(60_000, Math.max(lan.probeIntervalMs, value)) };
    case 'tombstoneRetentionMs':
      return { gossipToTheDeadMs: Math.max(0, Math.min(lan.gossipToTheDeadMs, value - 1)) };
    case 'gossipToTheDeadMs':
      return { tombstoneRetentionMs: Math.max(lan.tombstoneRetentionMs, value + 1) };
    case 'packetBytesMax':
      return { metadataBytesMax: 0 };
    case 'metadataBytesMax':
      return { packetBytesMax: integerBounds.packetBytesMax.max };
    default:
      return {};
  }
}

/** Each bound with the value just inside and just outside it. */
const edges = fields.flatMap((field) => {
  const { min, max } = integerBounds[field];
  return [
    { field, side: 'min', inside: min, outside: min - 1 },
    { field, side: 'max', inside: max, outside: max + 1 },
  ];
});

describe('presets', () => {
  it.each(['lan', 'local', 'wan'] as PresetName[])('%s is valid', (name) => {
    expect(() => validateConfig(presets[name])).not.toThrow();
    expect(resolveConfig({}, name)).toEqual(presets[name]);
  });

  it('lan carries memberlist LAN numbers', () => {
    expect(presets.lan).toMatchObject({
      probeIntervalMs: 1000,
      probeTimeoutMs: 500,
      indirectChecks: 3,
      suspicionMult: 4,
      suspicionMaxTimeoutMult: 6,
      retransmitMult: 4,
      gossipIntervalMs: 200,
      gossipNodes: 3,
      pushPullIntervalMs: 30_000,
      packetBytesMax: 1400,
      metadataBytesMax: 512,
    });
  });

  it('local probes faster than lan, wan slower', () => {
    expect(presets.local.probeIntervalMs).toBeLessThan(presets.lan.probeIntervalMs);
    expect(presets.wan.probeIntervalMs).toBeGreaterThan(presets.lan.probeIntervalMs);
  });

  it('resolveConfig defaults to lan', () => {
    expect(resolveConfig()).toEqual(presets.lan);
  });

  it('bounds every config field but the booleans streamProbe and verifyMembers', () => {
    expect([...fields, 'streamProbe', 'verifyMembers'].sort()).toEqual(Object.keys(presets.lan).sort());
  });
});

describe('resolveConfig overrides', () => {
  it('applies an override on top of the preset', () => {
    const config = resolveConfig({ probeIntervalMs: 6000, streamProbe: false }, 'wan');
    expect(config.probeIntervalMs).toBe(6000);
    expect(config.streamProbe).toBe(false);
    expect(config.suspicionMult).toBe(presets.wan.suspicionMult);
  });

  it('ignores fields given as undefined', () => {
    expect(resolveConfig({ probeIntervalMs: undefined } as Partial<ProtocolConfig>)).toEqual(presets.lan);
  });

  it('allows 0 to switch push-pull off', () => {
    expect(resolveConfig({ pushPullIntervalMs: 0 }).pushPullIntervalMs).toBe(0);
  });
});

describe('validation names the bad field', () => {
  it.each(edges)('$field just outside its $side ($outside)', ({ field, outside }) => {
    const error = rejection(() => resolveConfig({ ...companions(field, outside), [field]: outside }));
    const { min, max } = integerBounds[field];
    expect(error.field).toBe(field);
    expect(error.code).toBe('ERR_MESH_CONFIG');
    expect(error.message).toBe(`${field} must be between ${min} and ${max}, got ${outside}`);
  });

  it.each(fields)('%s not an integer', (field) => {
    expect(rejection(() => resolveConfig({ [field]: integerBounds[field].min + 0.5 })).field).toBe(field);
    expect(rejection(() => resolveConfig({ [field]: Number.NaN })).field).toBe(field);
    expect(rejection(() => resolveConfig({ [field]: '5' } as never)).field).toBe(field);
  });

  it('streamProbe not a boolean', () => {
    expect(rejection(() => resolveConfig({ streamProbe: 'yes' } as never)).field).toBe('streamProbe');
    expect(rejection(() => resolveConfig({ verifyMembers: 1 } as never)).field).toBe('verifyMembers');
  });

  it('an unknown field', () => {
    const error = rejection(() => resolveConfig({ probeIntervalSeconds: 1 } as never));
    expect(error.field).toBe('probeIntervalSeconds');
    expect(error.message).toContain('unknown');
  });

  it('probeTimeoutMs greater than probeIntervalMs', () => {
    const error = rejection(() => resolveConfig({ probeIntervalMs: 400, probeTimeoutMs: 401 }));
    expect(error.field).toBe('probeTimeoutMs');
    expect(() => resolveConfig({ probeIntervalMs: 400, probeTimeoutMs: 400 })).not.toThrow();
  });

  it('tombstoneRetentionMs not above gossipToTheDeadMs', () => {
    const error = rejection(() => resolveConfig({ tombstoneRetentionMs: 30_000, gossipToTheDeadMs: 30_000 }));
    expect(error.field).toBe('tombstoneRetentionMs');
  });

  it('metadataBytesMax that cannot fit in a packet', () => {
    const wire = msgpackWireFormat;
    expect(rejection(() => resolveConfig({ metadataBytesMax: 1024 }, 'lan', wire)).field).toBe(
      'metadataBytesMax',
    );
    expect(() => resolveConfig({ metadataBytesMax: 1024, packetBytesMax: 2000 }, 'lan', wire)).not.toThrow();
  });

  it('an unknown preset', () => {
    expect(rejection(() => resolveConfig({}, 'lab' as PresetName)).field).toBe('preset');
  });

  it('a config that is not an object', () => {
    expect(rejection(() => resolveConfig(null as never)).field).toBe('config');
    expect(rejection(() => resolveConfig(5 as never)).field).toBe('config');
  });

  it('throws errors that are MeshErrors with a stable code', () => {
    const error = rejection(() => resolveConfig({ gossipNodes: -1 }));
    expect(error).toBeInstanceOf(MeshError);
    expect(error.name).toBe('ConfigError');
  });
});

describe('bounds are inclusive', () => {
  it.each(edges)('$field at its $side ($inside) is accepted', ({ field, inside }) => {
    expect(resolveConfig({ ...companions(field, inside), [field]: inside })[field]).toBe(inside);
  });

  it('0 switches push-pull off although it is below the minimum; nothing else below it passes', () => {
    expect(integerBounds.pushPullIntervalMs).toMatchObject({ min: 100, zeroAllowed: true });
    expect(resolveConfig({ pushPullIntervalMs: 0 }).pushPullIntervalMs).toBe(0);
    expect(rejection(() => resolveConfig({ pushPullIntervalMs: -1 })).field).toBe('pushPullIntervalMs');
    for (const field of fields) {
      if (integerBounds[field].zeroAllowed === true) continue;
      if (integerBounds[field].min > 0) {
        expect(rejection(() => resolveConfig({ ...companions(field, 0), [field]: 0 })).field).toBe(field);
      }
    }
  });

  it('the smallest packet holds the largest alive message without metadata, to the byte', () => {
    // The alive tuple with every field at its limit: array header 1, type 1, 128-byte id
    // (str8: 2 + 128), 262-char address (str16: 3 + 262), a 9-byte incarnation (float64),
    // threads 65535 (3), view delay 600000 (5) = 415; its metadata map may still hold 64
    // empty keys and values: map16 header 3 + 128 one-byte string headers, for 1 empty-map
    // byte; then the envelope (8) and the packet's array16 header (3):
    // 415 - 1 + 131 + 8 + 3 = 556.
    expect(integerBounds.packetBytesMax.min).toBe(556);
    expect(msgpackWireFormat.packetBytesBound(msgpackWireFormat.updateBytesMax(0))).toBe(556);
    expect(() =>
      resolveConfig({ packetBytesMax: 556, metadataBytesMax: 0 }, 'lan', msgpackWireFormat),
    ).not.toThrow();
    expect(
      rejection(() => resolveConfig({ packetBytesMax: 556, metadataBytesMax: 1 }, 'lan', msgpackWireFormat))
        .field,
    ).toBe('packetBytesMax');
  });
});

describe('the documentation states the same bounds and defaults', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const source = readFileSync(new URL('../../src/core/config.ts', import.meta.url), 'utf8');
  const range = (field: IntegerField) =>
    field === 'probeTimeoutMs'
      ? `${integerBounds[field].min}..probeIntervalMs`
      : `${integerBounds[field].min}..${integerBounds[field].max}`;

  it.each(fields)('README row of %s', (field) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${field}\``));
    const cells = (row ?? '').split('|').map((cell) => cell.trim());
    expect(cells.slice(2, 5)).toEqual(
      [presets.lan[field], presets.local[field], presets.wan[field]].map(String),
    );
    expect(cells[5]).toContain(range(field));
  });

  it.each(fields)('doc comment of %s', (field) => {
    const declaration = source.indexOf(`readonly ${field}:`);
    const comment = source
      .slice(source.lastIndexOf('/**', declaration), declaration)
      .replace(/\s*\n\s*\*\s*/g, ' ');
    expect(comment).toMatch(new RegExp(`Default ${presets.lan[field]}\\b`));
    expect(comment).toContain(range(field));
  });
});
