/**
 * The status page in a real browser: three agents on loopback (local preset),
 * one agent's page in headless Chromium (Debian's package, driven by
 * playwright-core; nothing is downloaded), then a kill -9 and a graceful
 * leave, each checked on the page within the protocol's bound.
 *
 * Skips, saying why, only when /usr/bin/chromium is missing outside CI; in
 * CI (CI=true) a missing browser fails the test (.ci/run installs it).
 * Screenshots go to test-artifacts/ (not committed).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presets } from '../../src/core/config.js';
import { viewDelayMs } from '../../src/core/formulas.js';
import { detectionBoundMs, leaveBoundMs } from '../../src/sim/bounds.js';
import { MEMBERS_POLL_MS } from '../../src/status/ui/format.js';
import { REPO, TestBed, WAIT_MS } from '../cli/helpers.js';
import { readView, waitForView } from './page-view.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO, 'test-artifacts');
const inCi = process.env.CI === 'true';
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium && !inCi) {
  console.warn(
    `status page browser test skipped: ${CHROMIUM} is missing (apt-get install chromium); in CI (CI=true) it runs and fails without it`,
  );
}

const NODES = 3;
/** Markup in an id must show as text in the table, the bar and the log. */
const CHARLIE = 'charlie<b id="injected">';
const local = presets.local;
/**
 * A crash reaches the page once every live node has marked it dead (detect),
 * the change has entered the view (the view delay) and the page has re-read
 * the members (one poll period at worst, when the stream missed it).
 */
const CRASH_BOUND_MS =
  detectionBoundMs(local, NODES) + viewDelayMs(local.viewDelayMs, NODES) + MEMBERS_POLL_MS;
const LEAVE_BOUND_MS = leaveBoundMs(local, NODES) + viewDelayMs(local.viewDelayMs, NODES) + MEMBERS_POLL_MS;

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The two DOM facts this test reads itself (the rest goes through page-view.ts; no DOM types here). */
declare const document: {
  readonly documentElement: { readonly scrollWidth: number };
  querySelectorAll(selector: string): ArrayLike<unknown>;
};

describe.skipIf(!haveChromium && !inCi)('status page in Chromium', () => {
  const bed = new TestBed();
  let context: BrowserContext | undefined;
  let profile = '';
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium)
      throw new Error(`${CHROMIUM} is missing in CI: .ci/run should have installed chromium`);
    await bed.open();
    // The plain local preset, so the bound below is the one the formulas give for it.
    bed.config = await bed.writeConfig('local.json', {
      preset: 'local',
      logLevel: 'info',
      joinTimeoutMs: 3000,
    });
    await mkdir(ARTIFACTS, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), 'meshnode-chromium-'));
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await bed.close();
    if (profile !== '') await rm(profile, { recursive: true, force: true });
  });

  it('shows the members and indices live, a crash as suspect then failed, a leave as departed', async () => {
    const a = bed.agent('alpha', ['-n', '1']);
    const { address: seed, http } = await bed.started(a);
    const b = bed.agent('bravo', ['-n', '2', '--seeds', seed, '--meta', 'note=<img src=x onerror=alert(1)>']);
    const c = bed.agent(CHARLIE, ['-n', '3', '--seeds', seed]);
    await Promise.all([b, c].map((agent) => bed.started(agent)));
    for (const agent of [a, b, c]) {
      await agent.waitFor('total 6', (e) => e.event === 'rebalance' && e.total === 6, WAIT_MS);
    }

    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: LAUNCH_ARGS,
      viewport: { width: 1100, height: 820 },
      deviceScaleFactor: 1,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(`http://${http}/`);

    // Three rows in view order with libcluster ranges: ids sort alpha < bravo < charlie...
    const first = await waitForView(
      page,
      'three members, total 6',
      (v) => v.rows.length === 3 && v.total === '6',
      WAIT_MS,
    );
    expect(first.rows.map((r) => [r.id, r.state, r.range])).toEqual([
      ['alpha', 'alive', '0-0'],
      ['bravo', 'alive', '1-2'],
      [CHARLIE, 'alive', '3-5'],
    ]);
    expect(first.bar).toEqual([
      { id: 'alpha', range: '0-0', state: 'alive' },
      { id: 'bravo', range: '1-2', state: 'alive' },
      { id: CHARLIE, range: '3-5', state: 'alive' },
    ]);
    // Markup from the network is text: shown as written, never parsed.
    expect(first.rows[1]?.metadata).toBe('note=<img src=x onerror=alert(1)>');
    expect(first.injected).toBe(0);
    expect(first.idText).toContain(CHARLIE);
    expect(first.departedOpen).toBe(false);
    expect(await page.locator('[data-fact="connection"]').textContent()).toBe('live');

    // Sortable: by id descending on a second click, back to index order after.
    const ids = async () => (await readView(page)).rows.map((r) => r.id);
    await page.locator('table[data-section="view"] button[data-sort="id"]').click();
    await page.locator('table[data-section="view"] button[data-sort="id"]').click();
    expect(await ids()).toEqual([CHARLIE, 'bravo', 'alpha']);
    await page.locator('table[data-section="view"] button[data-sort="index"]').click();
    expect(await ids()).toEqual(['alpha', 'bravo', CHARLIE]);

    // A few RTT samples for the picture, then the screenshot the README shows.
    await page.waitForFunction(() => document.querySelectorAll('figure.chart').length === 2, null, {
      timeout: WAIT_MS,
    });
    await page.waitForTimeout(2 * MEMBERS_POLL_MS + 200);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png') });

    // kill -9: suspect first, then dead in the departed section and the bar cut for two.
    const killedAt = Date.now();
    c.child.kill('SIGKILL');
    const suspect = await waitForView(
      page,
      'charlie suspect',
      (v) => v.rows.some((r) => r.id === CHARLIE && r.state === 'suspect'),
      CRASH_BOUND_MS,
    );
    expect(suspect.rows.map((r) => r.id)).toContain(CHARLIE);
    const failed = await waitForView(
      page,
      'charlie failed and the bar redrawn',
      (v) =>
        v.departed.some((r) => r.id === CHARLIE && r.state === 'dead') &&
        !v.rows.some((r) => r.id === CHARLIE) &&
        v.total === '3' &&
        v.bar.length === 2,
      Math.max(0, CRASH_BOUND_MS - (Date.now() - killedAt)),
    );
    const crashShownMs = Date.now() - killedAt;
    expect(crashShownMs).toBeLessThanOrEqual(CRASH_BOUND_MS);
    expect(failed.bar).toEqual([
      { id: 'alpha', range: '0-0', state: 'alive' },
      { id: 'bravo', range: '1-2', state: 'alive' },
    ]);

    // Graceful leave: bravo moves to departed as left; alpha owns everything.
    const leftAt = Date.now();
    b.signal('SIGTERM');
    const left = await waitForView(
      page,
      'bravo departed',
      (v) =>
        v.departed.some((r) => r.id === 'bravo' && r.state === 'left') &&
        v.rows.length === 1 &&
        v.total === '1',
      LEAVE_BOUND_MS,
    );
    const leaveShownMs = Date.now() - leftAt;
    expect(left.rows.map((r) => [r.id, r.range])).toEqual([['alpha', '0-0']]);
    expect(left.bar).toEqual([{ id: 'alpha', range: '0-0', state: 'alive' }]);
    expect((await b.waitExit(WAIT_MS)).code).toBe(0);

    // The log, newest first, has what happened.
    for (const type of ['join', 'suspect', 'fail', 'leave', 'rebalance'])
      expect(left.logTypes).toContain(type);
    expect(left.logTypes.indexOf('leave')).toBeLessThan(left.logTypes.indexOf('fail'));
    expect(left.logText).toContain(`${CHARLIE} (`);
    expect(left.injected).toBe(0);
    expect(left.logText).toContain('failed (declared dead)');
    expect(left.logText).toContain('bravo (');
    expect(left.logText).toContain('left gracefully');

    await page.locator('details[data-section="departed"] summary').click();
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-departed.png'), fullPage: true });

    // A phone: the page fits the width (wide tables scroll inside their panel).
    await page.setViewportSize({ width: 390, height: 844 });
    const overflowPx = await page.evaluate(() => document.documentElement.scrollWidth - 390);
    expect(overflowPx).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    console.info(
      `status page: crash shown after ${crashShownMs} ms (bound ${CRASH_BOUND_MS} ms), leave after ${leaveShownMs} ms (bound ${LEAVE_BOUND_MS} ms)`,
    );
  }, 120_000);
});
