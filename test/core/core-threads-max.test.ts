import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import { alive, members, SoloCore, testConfig } from './harness.js';

describe('threadsMax', () => {
  it('is 1024 by default in every preset, and 1..65535', () => {
    for (const preset of ['lan', 'local', 'wan'] as const)
      expect(resolveConfig({}, preset).threadsMax).toBe(1024);
    expect(() => resolveConfig({ threadsMax: 0 })).toThrow(/threadsMax/);
    expect(() => resolveConfig({ threadsMax: 65_536 })).toThrow(/threadsMax/);
  });

  it('drops an alive claiming more threads, so one member cannot inflate the total', () => {
    const solo = new SoloCore({ initialMembers: members('a'), config: testConfig() }).start(0);
    solo.receive([alive('fake', { threads: 65_535 }), alive('a', { incarnation: 1, threads: 1025 })]);
    expect(solo.core.member('fake')).toBeUndefined();
    expect(solo.core.member('a')?.threads).toBe(1);
    expect(solo.core.stats().drops['threads-max']).toBe(2);
    solo.receive([alive('big', { threads: 1024 })]);
    expect(solo.core.member('big')?.threads).toBe(1024);
  });

  it('follows the configured bound, for others and for this node', () => {
    const solo = new SoloCore({ config: testConfig({ threadsMax: 8 }), threads: 8 }).start(0);
    solo.receive([alive('nine', { threads: 9 })]);
    expect(solo.core.member('nine')).toBeUndefined();
    expect(() => new SoloCore({ config: testConfig({ threadsMax: 8 }), threads: 9 })).toThrow(
      /threads must be an integer from 1 to 8/,
    );
  });
});
