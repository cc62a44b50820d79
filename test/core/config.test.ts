import { describe, expect, it } from 'vitest';
import { msgpackWireFormat } from '../../src/codec/index.js';
import {
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

type IntegerField = Exclude<keyof ProtocolConfig, 'streamProbe'>;

/** Documented bounds of every integer field. */
const bounds: Record<IntegerField, [min: number, max: number]> = {
  probeIntervalMs: [10, 60_000],
  probeTimeoutMs: [1, 60_000],
  indirectChecks: [0, 16],
  suspicionMult: [1, 100],
  suspicionMaxTimeoutMult: [1, 100],
  retransmitMult: [1, 100],
  gossipIntervalMs: [1, 60_000],
  gossipNodes: [0, 64],
  gossipToTheDeadMs: [0, 3_600_000],
  pushPullIntervalMs: [100, 3_600_000],
  tombstoneRetentionMs: [1000, 86_400_000],
  packetBytesMax: [512, 65_000],
  metadataBytesMax: [0, 16_384],
  membersMax: [2, 1_000_000],
  awarenessMaxMultiplier: [1, 64],
  leaveTimeoutMs: [0, 60_000],
  viewDelayMs: [0, 60_000],
  settleQuietMs: [0, 600_000],
  leaveFanout: [0, 10_000],
};
const fields = Object.keys(bounds) as IntegerField[];

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

  it('covers every config field with a bound (the test table is complete)', () => {
    expect([...fields, 'streamProbe'].sort()).toEqual(Object.keys(presets.lan).sort());
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
  it.each(fields)('%s below its minimum', (field) => {
    const [min] = bounds[field];
    const value = field === 'pushPullIntervalMs' ? 99 : min - 1;
    const error = rejection(() => resolveConfig({ [field]: value }));
    expect(error.field).toBe(field);
    expect(error.code).toBe('ERR_MESH_CONFIG');
    expect(error.message).toContain(field);
  });

  it.each(fields)('%s above its maximum', (field) => {
    const [, max] = bounds[field];
    expect(rejection(() => resolveConfig({ [field]: max + 1 })).field).toBe(field);
  });

  it.each(fields)('%s not an integer', (field) => {
    expect(rejection(() => resolveConfig({ [field]: bounds[field][0] + 0.5 })).field).toBe(field);
    expect(rejection(() => resolveConfig({ [field]: Number.NaN })).field).toBe(field);
    expect(rejection(() => resolveConfig({ [field]: '5' } as never)).field).toBe(field);
  });

  it('streamProbe not a boolean', () => {
    expect(rejection(() => resolveConfig({ streamProbe: 'yes' } as never)).field).toBe('streamProbe');
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
  it.each([
    ['probeIntervalMs', 10, { probeTimeoutMs: 10 }],
    ['probeIntervalMs', 60_000, {}],
    ['probeTimeoutMs', 1, {}],
    ['indirectChecks', 0, {}],
    ['indirectChecks', 16, {}],
    ['gossipNodes', 64, {}],
    ['pushPullIntervalMs', 100, {}],
    ['pushPullIntervalMs', 3_600_000, {}],
    ['tombstoneRetentionMs', 1000, { gossipToTheDeadMs: 999 }],
    ['packetBytesMax', 65_000, {}],
    ['metadataBytesMax', 16_384, { packetBytesMax: 65_000 }],
    ['membersMax', 2, {}],
    ['awarenessMaxMultiplier', 1, {}],
    ['leaveTimeoutMs', 0, {}],
    ['viewDelayMs', 0, {}],
    ['settleQuietMs', 0, {}],
    ['leaveFanout', 10_000, {}],
  ] as Array<[IntegerField, number, Partial<ProtocolConfig>]>)(
    '%s = %i is accepted',
    (field, value, companions) => {
      expect(resolveConfig({ ...companions, [field]: value })[field]).toBe(value);
    },
  );
});
