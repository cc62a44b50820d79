/**
 * The status page in Firefox (Debian's firefox-esr, driven by puppeteer-core
 * over WebDriver BiDi; nothing is downloaded): the same page the Chromium
 * test drives, loaded live from an agent, with a crash shown as it happens
 * and no JavaScript error. Skips, saying why, only when firefox-esr is
 * missing outside CI; in CI (CI=true) a missing browser fails the test.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presets } from '../../src/core/config.js';
import { viewDelayMs } from '../../src/core/formulas.js';
import { detectionBoundMs } from '../../src/sim/bounds.js';
import { MEMBERS_POLL_MS } from '../../src/status/ui/format.js';
import { TestBed, WAIT_MS } from '../cli/helpers.js';
import { waitForView } from './page-view.js';

const FIREFOX = '/usr/bin/firefox-esr';
const inCi = process.env.CI === 'true';
const haveFirefox = existsSync(FIREFOX);
if (!haveFirefox && !inCi) {
  console.warn(`status page Firefox test skipped: ${FIREFOX} is missing (apt-get install firefox-esr)`);
}

const NODES = 3;
const local = presets.local;
/** As in the Chromium test: detection, the view delay, one poll period. */
const CRASH_BOUND_MS =
  detectionBoundMs(local, NODES) + viewDelayMs(local.viewDelayMs, NODES) + MEMBERS_POLL_MS;

describe.skipIf(!haveFirefox && !inCi)('status page in Firefox', () => {
  const bed = new TestBed();
  let browser: Browser | undefined;
  let profile = '';
  const errors: string[] = [];

  beforeAll(async () => {
    if (!haveFirefox)
      throw new Error(`${FIREFOX} is missing in CI: .ci/run should have installed firefox-esr`);
    await bed.open();
    bed.config = await bed.writeConfig('local.json', {
      preset: 'local',
      logLevel: 'info',
      joinTimeoutMs: 3000,
    });
    profile = await mkdtemp(join(tmpdir(), 'meshnode-firefox-'));
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await bed.close();
    if (profile !== '') await rm(profile, { recursive: true, force: true });
  });

  it('shows the members and their index ranges live, and a crash within the bound, without a JavaScript error', async () => {
    const a = bed.agent('alpha', ['-n', '1']);
    const { address: seed, http } = await bed.started(a);
    const b = bed.agent('bravo', ['-n', '2', '--seeds', seed]);
    const c = bed.agent('charlie', ['-n', '3', '--seeds', seed]);
    await Promise.all([b, c].map((agent) => bed.started(agent)));
    for (const agent of [a, b, c]) {
      await agent.waitFor('total 6', (e) => e.event === 'rebalance' && e.total === 6, WAIT_MS);
    }
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: profile,
    });
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`http://${http}/`);

    const first = await waitForView(
      page,
      'three members, total 6',
      (v) => v.rows.length === 3 && v.total === '6',
      WAIT_MS,
    );
    expect(first.rows.map((r) => [r.id, r.state, r.range])).toEqual([
      ['alpha', 'alive', '0-0'],
      ['bravo', 'alive', '1-2'],
      ['charlie', 'alive', '3-5'],
    ]);
    expect(first.bar.map((s) => `${s.id}:${s.range}`)).toEqual(['alpha:0-0', 'bravo:1-2', 'charlie:3-5']);

    c.child.kill('SIGKILL');
    const failed = await waitForView(
      page,
      'charlie departed as dead, the bar cut for two',
      (v) =>
        v.departed.some((r) => r.id === 'charlie' && r.state === 'dead') &&
        v.bar.length === 2 &&
        v.total === '3',
      CRASH_BOUND_MS,
    );
    expect(failed.bar.map((s) => `${s.id}:${s.range}`)).toEqual(['alpha:0-0', 'bravo:1-2']);
    expect(errors).toEqual([]);
  });
});
