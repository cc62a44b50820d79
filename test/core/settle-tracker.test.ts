import { describe, expect, it } from 'vitest';
import { CoreContext } from '../../src/core/context.js';
import { SeededRandom } from '../../src/core/random.js';
import { SettleTracker, settleLeaseMs } from '../../src/core/settle-tracker.js';
import { RecordingHost, testConfig } from './harness.js';

function tracker(settleQuietMs = 500, probeIntervalMs = 1000) {
  const host = new RecordingHost();
  const config = testConfig({ settleQuietMs, probeIntervalMs, probeTimeoutMs: 500 });
  const context = new CoreContext('self', config, new SeededRandom(1), host);
  return { context, host, settle: new SettleTracker(context) };
}

describe('the settle lease', () => {
  it('lasts the longer of settleQuietMs and four probe periods', () => {
    expect(
      settleLeaseMs(testConfig({ settleQuietMs: 500, probeIntervalMs: 1000, probeTimeoutMs: 500 })),
    ).toBe(4000);
    expect(
      settleLeaseMs(testConfig({ settleQuietMs: 9000, probeIntervalMs: 1000, probeTimeoutMs: 500 })),
    ).toBe(9000);
  });

  it('lapses 4000 ms after the last echo and asks for a timer at that moment', () => {
    const { context, host, settle } = tracker();
    context.nowMs = 600;
    settle.noteEcho();
    expect(settle.update(true, 0, false)).toBe(true);
    expect(settle.settled).toBe(true);
    expect(host.timers.map((timer) => timer.atMs - host.nowMs)).toContain(4000);
    context.nowMs = 4599;
    expect(settle.update(true, 0, false)).toBe(false);
    context.nowMs = 4600;
    expect(settle.update(true, 0, false)).toBe(true);
    expect(settle.settled).toBe(false);
    context.nowMs = 4700;
    settle.noteEcho();
    expect(settle.update(true, 0, false)).toBe(true);
    expect(settle.settled).toBe(true);
  });

  it('an echo from before the last view change does not count', () => {
    const { context, settle } = tracker();
    context.nowMs = 100;
    settle.noteEcho();
    context.nowMs = 1000;
    expect(settle.update(true, 200, false)).toBe(false);
    expect(settle.settled).toBe(false);
  });

  it('a node alone in its view needs no echo', () => {
    const { context, settle } = tracker();
    context.nowMs = 500;
    expect(settle.update(true, 0, true)).toBe(true);
    expect(settle.settled).toBe(true);
  });
});
