/**
 * `meshnode simulate`: runs a named scenario on the deterministic simulator
 * and prints what it measured: a table, or one JSON object with --json.
 * The same scenario, nodes and seed always give the same run.
 */
import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import type { PresetName } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { assertChartingAvailable, renderChartSvg } from '../sim/chart.js';
import { formatReport } from '../sim/report.js';
import { runScenario, type SimulationResult } from '../sim/scenario.js';
import { buildScenario, type ScenarioParams, scenarioInfo, scenarioNames } from '../sim/scenarios.js';
import { SimulationError } from '../sim/simulation.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import { helpWidth, paragraphs, twoColumns } from './help-text.js';
import { parseChoice, parseInteger, ValueError } from './values.js';

export interface SimulateFlags {
  scenario?: string;
  nodes?: string;
  seed?: string;
  loss?: string;
  preset?: string;
  duration?: string;
  faultMs?: string;
  lifeguard?: boolean;
  json?: boolean;
  svg?: string;
  progress?: boolean;
}

const PRESETS: readonly PresetName[] = ['lan', 'local', 'wan'];

/** "(default 100 nodes)", or for a scenario that adds joiners the count the run reports too. */
function defaultSize(name: (typeof scenarioNames)[number]): string {
  const initial = scenarioInfo[name].defaultNodes;
  const reported = buildScenario(name, {}).nodes;
  return reported === initial
    ? `(default ${initial} nodes)`
    : `(default ${initial} nodes and ${reported - initial} joining later: ${reported} in the report)`;
}

function scenarioList(width: number): string {
  return twoColumns(
    scenarioNames.map((name) => [name, `${scenarioInfo[name].summary} ${defaultSize(name)}`] as const),
    width,
  );
}

export function simulateCommand(): Command {
  const command = new Command('simulate')
    .summary('run a named scenario on the deterministic network simulator')
    .description(simulateDescription(helpWidth()))
    .requiredOption('-s, --scenario <name>', `one of: ${scenarioNames.join(', ')}`)
    .option('-n, --nodes <count>', 'cluster size (default: the scenario default)')
    .option('--seed <seed>', 'run seed, 0..4294967295 (default 1)')
    .option('--loss <probability>', 'datagram loss for the whole run, 0 <= p < 1 (default 0; lossy: 0.05)')
    .option('--preset <name>', 'protocol preset: lan (default), local or wan')
    .option('--duration <ms>', 'virtual time to simulate, overriding the scenario (ms)')
    .option(
      '--fault-ms <ms>',
      'length of the fault (partition, cut, pause, lossy spell) where the scenario has one',
    )
    .option('--no-lifeguard', 'turn Lifeguard off (awarenessMaxMultiplier 1, suspicionMaxTimeoutMult 1)')
    .option('--json', 'print one JSON object instead of the table')
    .option(
      '--svg <file>',
      'also write an SVG chart (awareness over time, detection delays); needs "npm install vega vega-lite"',
    )
    .option('--no-progress', 'no progress bar (it only shows on a terminal anyway)')
    .action(async (flags: SimulateFlags) => {
      await runToExit('simulate', () => runSimulate(flags));
    });
  return withUsageExit(command);
}

export function simulateDescription(width: number): string {
  const intro = paragraphs(
    [
      'Run real protocol cores on one virtual clock under a seeded fault model and print what was',
      'measured: detection and dissemination times, false positives, load per node, convergence',
      'and the settled signal. The same scenario, nodes and seed replay exactly.',
      '',
      'Exit codes: 0 ok, 1 an invariant broke (the seed and scenario are printed), 2 bad flags',
      '(also a --svg file that cannot be written, or vega missing).',
    ].join('\n'),
    width,
  );
  return `${intro}\n\nScenarios (times in probe intervals P):\n${scenarioList(width)}`;
}

/**
 * Checks before the run that the chart can be written: its folder exists and
 * is writable, and vega / vega-lite are installed. They are optional peer
 * dependencies (about 20 MB and 80 packages, nearly twice meshnode's own
 * install of 11 MB and 37 packages), so
 * `npm install meshnode` does not bring them.
 */
export async function checkChartTarget(path: string): Promise<void> {
  const folder = dirname(resolve(path));
  try {
    if (!(await stat(folder)).isDirectory()) throw new UsageError(`--svg: ${folder} is not a folder`);
    await access(folder, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not writable' : code;
    throw new UsageError(`--svg ${path}: the folder ${folder} ${why}`);
  }
  try {
    await assertChartingAvailable();
  } catch {
    throw new UsageError(
      '--svg needs the optional packages vega and vega-lite: run "npm install vega vega-lite" next to meshnode',
    );
  }
}

/** Turns the flags into scenario parameters; bad values are usage errors. */
export function simulateParams(flags: SimulateFlags): {
  name: (typeof scenarioNames)[number];
  params: ScenarioParams;
} {
  try {
    const name = parseChoice('--scenario', flags.scenario, scenarioNames);
    const params: {
      -readonly [K in keyof ScenarioParams]: ScenarioParams[K];
    } = {};
    if (flags.nodes !== undefined) params.nodes = parseInteger('--nodes', flags.nodes, 1, 1_000_000);
    if (flags.seed !== undefined) params.seed = parseInteger('--seed', flags.seed, 0, 0xffff_ffff);
    if (flags.loss !== undefined) params.loss = parseProbability('--loss', flags.loss);
    if (flags.preset !== undefined) params.preset = parseChoice('--preset', flags.preset, PRESETS);
    if (flags.duration !== undefined)
      params.durationMs = parseInteger('--duration', flags.duration, 1, 86_400_000);
    if (flags.faultMs !== undefined)
      params.faultMs = parseInteger('--fault-ms', flags.faultMs, 1, 7 * 86_400_000);
    if (flags.lifeguard === false) params.lifeguard = false;
    return { name, params };
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    throw error;
  }
}

function parseProbability(field: string, value: string): number {
  const text = value.trim();
  const number = /^[0-9]*\.?[0-9]+(e-?[0-9]+)?$/i.test(text) ? Number(text) : Number.NaN;
  if (!(number >= 0 && number < 1))
    throw new ValueError(`${field} must be a number with 0 <= p < 1, got "${value}"`);
  return number;
}

/** The command that replays a run. */
export function replayCommand(name: string, params: ScenarioParams, nodes: number, seed: number): string {
  const parts = ['meshnode simulate', `--scenario ${name}`, `--nodes ${nodes}`, `--seed ${seed}`];
  if (params.loss !== undefined) parts.push(`--loss ${params.loss}`);
  if (params.preset !== undefined) parts.push(`--preset ${params.preset}`);
  if (params.durationMs !== undefined) parts.push(`--duration ${params.durationMs}`);
  if (params.faultMs !== undefined) parts.push(`--fault-ms ${params.faultMs}`);
  if (params.lifeguard === false) parts.push('--no-lifeguard');
  return parts.join(' ');
}

/** A one-line progress bar on stderr, redrawn at most ten times a second. */
function progressBar(label: string): {
  update: (fraction: number, virtualMs: number) => void;
  done: () => void;
} {
  const started = performance.now();
  let lastDraw = 0;
  const draw = (fraction: number, virtualMs: number): void => {
    const width = 30;
    const filled = Math.round(Math.min(1, fraction) * width);
    const wall = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%` +
        `  virtual ${(virtualMs / 1000).toFixed(1)} s, wall ${wall} s `,
    );
  };
  return {
    update(fraction, virtualMs) {
      const now = performance.now();
      if (now - lastDraw < 100 && fraction < 1) return;
      lastDraw = now;
      draw(fraction, virtualMs);
    },
    done() {
      if (lastDraw > 0) process.stderr.write('\r\x1b[2K');
    },
  };
}

export async function runSimulate(flags: SimulateFlags): Promise<number> {
  const { name, params } = simulateParams(flags);
  let spec: ReturnType<typeof buildScenario>;
  try {
    spec = buildScenario(name, params);
  } catch (error) {
    if (error instanceof RangeError || error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (flags.svg !== undefined) await checkChartTarget(flags.svg);
  const replay = replayCommand(name, params, spec.nodes, spec.seed);
  const bar =
    flags.progress !== false && process.stderr.isTTY === true ? progressBar(`simulate ${name}`) : undefined;
  let result: SimulationResult;
  try {
    result = runScenario(spec, { replay, ...(bar === undefined ? {} : { onProgress: bar.update }) });
  } catch (error) {
    bar?.done();
    if (error instanceof SimulationError) throw new CliError(ExitCode.failure, error.message);
    throw error;
  }
  bar?.done();
  // The results first: a chart that cannot be drawn must not cost the run.
  await writeOut(
    flags.json === true ? `${JSON.stringify(result.report)}\n` : `${formatReport(result.report)}\n`,
  );
  if (flags.svg !== undefined) {
    let svg: string;
    try {
      svg = await renderChartSvg(result);
    } catch (error) {
      if (error instanceof RangeError) {
        process.stderr.write(`meshnode simulate: no chart written: ${error.message}\n`);
        return ExitCode.ok;
      }
      throw new CliError(ExitCode.failure, `cannot draw the chart: ${(error as Error).message}`);
    }
    try {
      await writeFile(flags.svg, svg);
    } catch (error) {
      throw new CliError(ExitCode.failure, `cannot write ${flags.svg}: ${(error as Error).message}`);
    }
  }
  return ExitCode.ok;
}
