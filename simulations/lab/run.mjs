#!/usr/bin/env node
// The fault lab: real `meshnode agent` processes on hosts made of network
// namespaces, real loss and partitions (nftables), real signals, each
// scenario checked against bounds from the protocol's formulas and, for
// scenarios 1-5, against the simulator running the same scenario.
//
//   npm run lab                          every scenario
//   npm run lab -- --scenario crash      one (or a comma-separated list)
//   npm run lab -- --list                the scenarios
//   options: --hosts N (default 8), --preset local|lan (default local), --no-model,
//            --repeat K (each scenario K times, for the lab's own run-to-run spread)
//   MESHNODE_LAB=skip                    skip, saying so
//
// Needs root and network namespaces; installs nftables when nft is missing.
// Exit codes: 0 every scenario passed, 1 a scenario failed, 2 the lab cannot
// run here (the reason is printed), 3 bad flags.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { labBounds } from './bounds.mjs';
import { killAllStarted } from './hosts.mjs';
import { Lab } from './lab.mjs';
import { runModel } from './model.mjs';
import { preflight } from './preflight.mjs';
import { combineLabRuns, formatChecks, formatModel, modelRows } from './report.mjs';
import { pending, scenarios } from './scenarios/index.mjs';
import { destroyTopology, sweepStale } from './topology.mjs';

// Time limits for the local preset; they grow with the probe interval of the preset in use.
const RUN_TIMEOUT_MS = 15 * 60_000;
const SCENARIO_TIMEOUT_MS = 240_000;
const LOCAL_PROBE_INTERVAL_MS = 200;
const timeScale = (bounds) => Math.max(1, bounds.p / LOCAL_PROBE_INTERVAL_MS);
const SAMPLE_INTERVAL_MS = 100;

function parseArgs(argv) {
  const options = { hosts: 8, preset: 'local', only: undefined, model: true, list: false, repeat: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${arg} needs a value`);
      return v;
    };
    if (arg === '--scenario') options.only = next().split(',');
    else if (arg === '--hosts') options.hosts = Number(next());
    else if (arg === '--preset') options.preset = next();
    else if (arg === '--repeat') options.repeat = Number(next());
    else if (arg === '--no-model') options.model = false;
    else if (arg === '--list') options.list = true;
    else usage(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(options.hosts) || options.hosts < 4 || options.hosts > 32)
    usage('--hosts must be 4..32');
  if (!Number.isInteger(options.repeat) || options.repeat < 1 || options.repeat > 10)
    usage('--repeat must be 1..10');
  if (!['local', 'lan'].includes(options.preset)) usage('--preset must be local or lan');
  for (const name of options.only ?? []) {
    if (!scenarios.some((s) => s.name === name)) {
      usage(`unknown scenario ${name} (known: ${scenarios.map((s) => s.name).join(', ')})`);
    }
  }
  return options;
}

function usage(message) {
  process.stderr.write(`lab: ${message}\n`);
  process.exit(3);
}

const say = (text) => process.stdout.write(`${text}\n`);

/** Synchronous last-resort cleanup: the processes we started, then this run's namespaces. */
function cleanupNow() {
  killAllStarted();
  destroyTopology();
}

function installExitHandlers() {
  let interrupted = false;
  const onSignal = (signal, code) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`lab: ${signal}: cleaning up and exiting\n`);
    cleanupNow();
    process.exit(code);
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('SIGHUP', () => onSignal('SIGHUP', 129));
  process.on('exit', cleanupNow);
  process.on('uncaughtException', (error) => {
    process.stderr.write(`lab: unexpected error: ${error.stack ?? error}\n`);
    cleanupNow();
    process.exit(1);
  });
}

async function runOne(scenario, options, bounds, logRoot, run) {
  const preset = bounds.preset;
  const logDir = join(logRoot, options.repeat > 1 ? `${scenario.name}-${run}` : scenario.name);
  mkdirSync(logDir, { recursive: true });
  const lab = new Lab({
    hosts: options.hosts,
    preset,
    logDir,
    samplerIntervalMs: SAMPLE_INTERVAL_MS,
    samplerDurationMs: (scenario.timeoutMs ?? SCENARIO_TIMEOUT_MS) * timeScale(bounds),
  });
  const startedAt = Date.now();
  const loadBefore = loadavg()[0];
  let outcome;
  try {
    await lab.setUp();
    const plan = scenario.plan(bounds, options.hosts);
    let timer;
    const timeoutMs = (scenario.timeoutMs ?? SCENARIO_TIMEOUT_MS) * timeScale(bounds);
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`scenario took longer than ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    try {
      const running = scenario.run(lab, bounds, plan);
      // After a timeout the scenario's own code may still be waiting; its later failure is not news.
      running.catch(() => {});
      outcome = await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
    }
    outcome.plan = plan;
  } catch (error) {
    outcome = {
      checks: [{ what: 'scenario ran', measured: error.message, bound: '-', pass: false }],
      figures: [],
    };
  }
  outcome.pass = outcome.checks.every((c) => c.pass);
  outcome.wallMs = Date.now() - startedAt;
  // Real timers run late on a busy machine, which the simulator does not model: say how busy it was.
  const load = `machine load (1 min average) ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`;
  outcome.notes = [...lab.notes, ...(outcome.notes ?? []), load];
  if (!outcome.pass) outcome.diagnostics = lab.diagnostics();
  try {
    await lab.tearDown();
  } catch (error) {
    outcome.checks.push({ what: 'cleanup', measured: error.message, bound: '-', pass: false });
    outcome.pass = false;
  }
  return outcome;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.list) {
    for (const s of scenarios) say(`${s.number}. ${s.name}: ${s.title}`);
    for (const p of pending) say(`${p.number}. ${p.name}: ${p.title} (pending: ${p.reason})`);
    return 0;
  }
  if (process.env.MESHNODE_LAB === 'skip') {
    say('lab: skipped (MESHNODE_LAB=skip); no scenario ran');
    return 0;
  }
  const problem = preflight(say);
  if (problem !== undefined) {
    process.stderr.write(`lab: cannot run here: ${problem}\n`);
    return 2;
  }
  installExitHandlers();
  const swept = sweepStale();
  if (swept.length > 0) say(`lab: removed namespaces left by earlier runs: ${swept.join(', ')}`);
  const bounds = labBounds(options.preset, options.hosts);
  const runTimeoutMs = RUN_TIMEOUT_MS * timeScale(bounds) * options.repeat;
  const hardStop = setTimeout(() => {
    process.stderr.write(`lab: the whole run exceeded ${runTimeoutMs / 60_000} minutes; stopping\n`);
    cleanupNow();
    process.exit(1);
  }, runTimeoutMs);
  hardStop.unref();

  const logRoot = mkdtempSync(join(tmpdir(), 'meshnode-lab-'));
  const chosen = scenarios.filter((s) => options.only === undefined || options.only.includes(s.name));
  say(
    `lab: ${chosen.length} scenario(s), ${options.hosts} hosts, preset ${options.preset} (P = ${bounds.p} ms, ` +
      `Smin ${bounds.smin} ms, Smax ${bounds.smax} ms, D ${bounds.dissemination} ms, detect ${bounds.detect} ms, ` +
      `agree ${bounds.agree} ms, heal ${bounds.heal} ms); logs in ${logRoot}`,
  );
  const runStart = Date.now();
  const results = [];
  for (const scenario of chosen) {
    // A scenario may need another preset than the run's (it says why).
    const scenarioBounds = scenario.preset === undefined ? bounds : labBounds(scenario.preset, options.hosts);
    const presetNote =
      scenario.preset === undefined ? '' : ` [preset ${scenario.preset}: ${scenario.presetReason}]`;
    say(`\n== ${scenario.number}. ${scenario.name}: ${scenario.title}${presetNote}`);
    const outcomes = [];
    for (let run = 1; run <= options.repeat; run++) {
      if (options.repeat > 1) say(`-- run ${run} of ${options.repeat}`);
      const outcome = await runOne(scenario, options, scenarioBounds, logRoot, run);
      outcomes.push(outcome);
      say(formatChecks(outcome.checks));
      let rows = [];
      if (scenario.model !== undefined && options.model && outcome.figures.length > 0) {
        const modelOptions = {
          nodes: options.hosts,
          preset: scenarioBounds.preset,
          bounds: scenarioBounds,
          plan: outcome.plan,
        };
        const model = runModel(scenario.model, modelOptions);
        const modelRuntimeSync = runModel(scenario.model, { ...modelOptions, runtimeSyncTimeout: true });
        rows = modelRows(outcome.figures, model, modelRuntimeSync);
        outcome.modelRows = rows;
        say(`model check (simulator, same scenario, ${model.runs.length} seeds, ${model.wallMs} ms):`);
        say(formatModel(rows));
      }
      for (const note of outcome.notes) say(`note: ${note}`);
      say(`${outcome.pass ? 'PASS' : 'FAIL'} ${scenario.name} (${(outcome.wallMs / 1000).toFixed(1)} s)`);
      if (!outcome.pass) say(outcome.diagnostics);
      results.push({
        number: scenario.number,
        name: scenario.name,
        run,
        preset: scenarioBounds.preset,
        pass: outcome.pass,
        notes: outcome.notes,
        wallMs: outcome.wallMs,
        checks: outcome.checks,
        model: rows,
      });
    }
    if (outcomes.length > 1 && outcomes[0].modelRows !== undefined) {
      say(`model check over ${outcomes.length} lab runs (lab median [range]):`);
      say(formatModel(combineLabRuns(outcomes)));
    }
  }
  const totalMs = Date.now() - runStart;
  say(`\n== summary (${(totalMs / 1000).toFixed(0)} s, preset ${options.preset}, ${options.hosts} hosts)`);
  for (const r of results)
    say(`${r.pass ? 'pass' : 'FAIL'}  ${r.number}. ${r.name} (${(r.wallMs / 1000).toFixed(1)} s)`);
  for (const p of pending) say(`pending  ${p.number}. ${p.name}: ${p.reason}`);
  writeFileSync(join(logRoot, 'results.json'), `${JSON.stringify({ totalMs, options, results }, null, 2)}\n`);
  const failed = results.filter((r) => !r.pass).length;
  if (failed === 0) rmSync(logRoot, { recursive: true, force: true });
  else say(`lab: ${failed} scenario(s) failed; logs and results.json kept in ${logRoot}`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
