import { describe, expect, it } from 'vitest';
import { CoreContext } from '../../src/core/context.js';
import { SeededRandom } from '../../src/core/random.js';
import { SettleTracker, settleLeaseMs } from '../../src/core/settle-tracker.js';
import { RecordingHost, testConfig } from './harness.js';

function tracker(settleQuietMs = 500, probeIntervalMs = 1000) {
  const host = new RecordingHost();
  const config = testConfig({ settleQuietMs, probeIntervalMs, probeTimeoutMs: 500 });
  const context = new CoreContext('self', config, new SeededRandom(1), host);
  /** Moves the core's and the host's clocks together. */
  const at = (nowMs: number) => {
    context.nowMs = nowMs;
    host.nowMs = nowMs;
  };
  return { context, host, at, settle: new SettleTracker(context) };
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
    settle.noteEcho('a');
    expect(settle.update(true, 0, 1)).toBe(true);
    expect(settle.settled).toBe(true);
    expect(host.timers.map((timer) => timer.atMs - host.nowMs)).toContain(4000);
    context.nowMs = 4599;
    expect(settle.update(true, 0, 1)).toBe(false);
    context.nowMs = 4600;
    expect(settle.update(true, 0, 1)).toBe(true);
    expect(settle.settled).toBe(false);
    context.nowMs = 4700;
    settle.noteEcho('a');
    expect(settle.update(true, 0, 1)).toBe(true);
    expect(settle.settled).toBe(true);
  });

  it('waits for the lease of the latest echo only: echoes every period cost no wakeup for the lease', () => {
    const { host, at, settle } = tracker();
    for (let atMs = 600; atMs <= 10_600; atMs += 1000) {
      at(atMs);
      settle.noteEcho('a');
      settle.update(true, 0, 1);
    }
    expect(settle.settled).toBe(true);
    expect(host.timers.map((timer) => timer.atMs)).toEqual([10_600 + 4000]);
  });

  it('an earlier moment to look again replaces a later one', () => {
    const { host, at, settle } = tracker();
    at(600);
    settle.noteEcho('a');
    settle.update(true, 0, 1);
    expect(host.timers.map((timer) => timer.atMs)).toEqual([4600]);
    // The view changes: the quiet period after it ends before the lease would.
    at(700);
    settle.noteEcho('a');
    settle.update(true, 650, 1);
    expect(settle.settled).toBe(false);
    expect(host.timers.map((timer) => timer.atMs)).toEqual([1150]);
  });

  it("another 'settle' timer firing (the conflict window's) leaves ours alone: no second one for the same moment", () => {
    const { context, host, at, settle } = tracker();
    at(600);
    settle.noteEcho('a');
    settle.update(true, 0, 1);
    const conflictWindow = context.schedule(100, { kind: 'settle' });
    at(700);
    context.takeTimer(conflictWindow);
    settle.onTimer(conflictWindow);
    settle.update(true, 0, 1);
    expect(host.timers.filter((timer) => timer.atMs === 4600)).toHaveLength(1);
  });

  it('an echo from before the last view change does not count', () => {
    const { context, settle } = tracker();
    context.nowMs = 100;
    settle.noteEcho('a');
    context.nowMs = 1000;
    expect(settle.update(true, 200, 1)).toBe(false);
    expect(settle.settled).toBe(false);
  });

  it('a node alone in its view needs no echo', () => {
    const { context, settle } = tracker();
    context.nowMs = 500;
    expect(settle.update(true, 0, 0)).toBe(true);
    expect(settle.settled).toBe(true);
  });
});

describe('witnesses of a new view', () => {
  it('waits for every other member to echo the view, on an ack or a ping, since it changed', () => {
    const { context, settle } = tracker();
    context.nowMs = 100;
    settle.noteEcho('a');
    settle.noteEcho('b');
    context.nowMs = 800;
    // The view changed at 200: the echoes at 100 vouch for the old one.
    expect(settle.update(true, 200, 3)).toBe(false);
    settle.noteEcho('a');
    settle.noteEcho('a');
    settle.noteWitness('b');
    expect(settle.update(true, 200, 3)).toBe(false);
    settle.noteWitness('c');
    expect(settle.update(true, 200, 3)).toBe(true);
    expect(settle.settled).toBe(true);
  });

  it('needs sixteen distinct witnesses in a larger cluster', () => {
    const { context, settle } = tracker();
    context.nowMs = 600;
    settle.noteEcho('m0');
    for (let i = 1; i < 15; i++) settle.noteWitness(`m${i}`);
    expect(settle.update(true, 0, 999)).toBe(false);
    settle.noteWitness('m15');
    expect(settle.update(true, 0, 999)).toBe(true);
  });

  it('does not wait for members whose claims are muted', () => {
    const { context, settle } = tracker();
    context.nowMs = 600;
    settle.noteEcho('a');
    settle.noteEcho('b');
    expect(settle.update(true, 0, 3, 0)).toBe(false);
    expect(settle.update(true, 0, 3, 1)).toBe(true);
  });

  it('a ping makes a witness but renews no lease', () => {
    const { context, settle } = tracker();
    context.nowMs = 600;
    settle.noteWitness('a');
    expect(settle.update(true, 0, 1)).toBe(false);
    settle.noteEcho('a');
    expect(settle.update(true, 0, 1)).toBe(true);
  });
});
