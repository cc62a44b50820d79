// The lab's pure parts, without namespaces: how samples are judged, which
// nft rules a fault becomes, and the bounds for the local preset.
//   node --test simulations/lab/
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labBounds } from './bounds.mjs';
import { cut, FaultTable, lossAtHost, lossEverywhere } from './faults.mjs';
import { oneView, quantiles, settledCollisions, staleSettled } from './views.mjs';

const sample = (host, t, fields) => ({
  host,
  t,
  up: true,
  viewId: 'v1',
  total: 2,
  settled: true,
  index: host,
  threads: 1,
  view: [
    ['a', 0, 1, 'alive'],
    ['b', 1, 1, 'alive'],
  ],
  ...fields,
});

test('oneView wants the same view, the expected members and total, and settled', () => {
  const want = { ids: ['a', 'b'], total: 2 };
  assert.equal(oneView([sample(0, 0), sample(1, 0)], want), true);
  assert.equal(oneView([sample(0, 0), sample(1, 0, { viewId: 'v2' })], want), false);
  assert.equal(oneView([sample(0, 0), sample(1, 0, { settled: false })], want), false);
  assert.equal(oneView([sample(0, 0), sample(1, 0, { settled: false })], { ...want, settled: false }), true);
  assert.equal(oneView([sample(0, 0), sample(1, 0)], { ids: ['a', 'b', 'c'], total: 3 }), false);
  assert.equal(oneView([sample(0, 0), undefined], want), false);
  assert.equal(oneView([sample(0, 0), { host: 1, t: 0, up: false }], want), false);
});

test('settledCollisions finds two settled hosts on overlapping ranges, and only those', () => {
  const clash = [[sample(0, 0, { index: 0, threads: 2 })], [sample(1, 0, { index: 1 })]];
  const found = settledCollisions(clash, { stepMs: 100, maxAgeMs: 150 });
  assert.equal(found.length, 1);
  assert.deepEqual(found[0].hosts, [0, 1]);
  const apart = [[sample(0, 0, { index: 0 })], [sample(1, 0, { index: 1 })]];
  assert.equal(settledCollisions(apart).length, 0);
  const oneUnsettled = [[sample(0, 0, { index: 0 })], [sample(1, 0, { index: 0, settled: false })]];
  assert.equal(settledCollisions(oneUnsettled).length, 0);
  const notAdmitted = [[sample(0, 0, { index: 0 })], [sample(1, 0, { index: -1 })]];
  assert.equal(settledCollisions(notAdmitted).length, 0);
});

test('settledCollisions ignores samples older than maxAgeMs', () => {
  // Host 1 claims index 0 at t=0 and is silent afterwards; host 0 claims it from t=1000.
  const samples = [[sample(0, 0, { index: 5 }), sample(0, 1000, { index: 0 })], [sample(1, 0, { index: 0 })]];
  assert.equal(settledCollisions(samples, { stepMs: 100, maxAgeMs: 150 }).length, 0);
  assert.equal(settledCollisions(samples, { stepMs: 100, maxAgeMs: 5000 }).length, 1);
});

test('staleSettled reports settled samples on a view no other host holds, after the given time', () => {
  const host = [
    sample(0, 100, { viewId: 'old' }),
    sample(0, 600, { viewId: 'new' }),
    sample(0, 50, { viewId: 'old' }),
  ];
  const others = [
    sample(1, 100, { viewId: 'new' }),
    sample(1, 600, { viewId: 'new' }),
    sample(1, 50, { viewId: 'new' }),
  ];
  const stale = staleSettled(host, others, 80, { maxAgeMs: 300 });
  assert.deepEqual(
    stale.map((s) => s.t),
    [100],
  );
  const unsettled = [sample(0, 100, { viewId: 'old', settled: false })];
  assert.equal(staleSettled(unsettled, others, 0).length, 0);
});

test('quantiles gives first, median and max', () => {
  assert.deepEqual(quantiles([3, 1, 2]), { first: 1, median: 2, max: 3, count: 3 });
  assert.deepEqual(quantiles([4, 1, 2, 3]), { first: 1, median: 2.5, max: 4, count: 4 });
  assert.deepEqual(quantiles([]), { first: null, median: null, max: null, count: 0 });
});

test('faults become nft rules on the bridge forward hook', () => {
  assert.deepEqual(cut(['10.203.0.10'], ['10.203.0.11', '10.203.0.12'], { symmetric: false }), [
    'ip saddr 10.203.0.10 ip daddr { 10.203.0.11, 10.203.0.12 } counter drop',
  ]);
  assert.equal(cut(['10.203.0.10'], ['10.203.0.11']).length, 2);
  assert.deepEqual(lossAtHost('10.203.0.17', 80), [
    'ip saddr 10.203.0.17 numgen random mod 100 < 80 counter drop',
    'ip daddr 10.203.0.17 numgen random mod 100 < 80 counter drop',
  ]);
  assert.match(
    lossEverywhere(10)[0],
    /^ip saddr 10\.203\.0\.0\/24 ip daddr 10\.203\.0\.0\/24 numgen random mod 100 < 10/,
  );
  assert.throws(() => lossEverywhere(101), RangeError);
  assert.throws(() => lossAtHost('10.203.0.17', 2.5), RangeError);
  assert.throws(() => cut([], ['10.203.0.11']), RangeError);
});

test('a fault table renders every active fault, named, in one replaceable table', () => {
  const table = new FaultTable('unused');
  table.active.set('partition', cut(['10.203.0.10'], ['10.203.0.11']));
  const text = table.render();
  assert.match(text, /^table bridge mnlab \{\}\ndelete table bridge mnlab\n/);
  assert.match(text, /type filter hook forward priority 0; policy accept;/);
  assert.equal(text.match(/comment "partition"/g).length, 2);
});

test('bounds for the local preset and 8 hosts follow the formulas', () => {
  // local: P 200, suspicionMult 3, max mult 6, retransmitMult 4, gossip 50, view delay 300, settle 500, push-pull 10 s.
  const b = labBounds('local', 8);
  assert.equal(b.smin, 600); // 3 x max(1, log10 8) x 200
  assert.equal(b.smax, 3600);
  assert.equal(b.dissemination, 650); // (4 x ceil(log10 9) + 1) x 50 + 2 x 200
  assert.equal(b.detect, 7450); // 15 x 200 + 200 + 3600 + 650
  assert.equal(b.agree, 8550); // 7450 + 2 x 300 + 500
  assert.equal(b.heal, 15200); // 10000 + 3600 + 2 x 650 + 300
});
