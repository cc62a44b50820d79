/**
 * meshnode/sim: the deterministic network simulator, for scripting scenarios.
 * Real protocol cores run on one virtual clock with the real codec under a
 * seeded fault model; the same spec and seed replay the same run.
 *
 * ```ts
 * import { buildScenario, formatReport, runScenario } from 'meshnode/sim';
 * const spec = buildScenario('crash', { nodes: 500, seed: 7 });
 * console.log(formatReport(runScenario(spec).report));
 * ```
 *
 * A named scenario (`buildScenario`) is a plain `ScenarioSpec`: change its
 * events or network, or write one from scratch, then `runScenario` it. The
 * bound functions give the times the protocol promises, to compare with the
 * report. The simulator's machinery (event queue, network model, checkers,
 * trace hash) stays internal.
 */
export {
  detectionBoundMs,
  disseminationBoundMs,
  healBoundMs,
  leaveBoundMs,
  suspicionMaxMs,
  suspicionMinMs,
} from './bounds.js';
export { ChartUnavailableError, chartSpec, renderChartSvg } from './chart.js';
export type { SpreadKind } from './metrics.js';
export type { LatencyModel } from './network.js';
export { formatReport } from './report.js';
export {
  type DetectionSummary,
  type NetworkOverrides,
  type RunOptions,
  resolveScenarioConfig,
  runScenario,
  type ScenarioEvent,
  type ScenarioSpec,
  type SimulationReport,
  type SimulationResult,
  type SimulationSeries,
  validateScenario,
} from './scenario.js';
export {
  buildScenario,
  isScenarioName,
  type ScenarioInfo,
  type ScenarioName,
  type ScenarioParams,
  scenarioInfo,
  scenarioNames,
} from './scenarios.js';
export { type LifecycleChange, type SimListener, type Simulation, SimulationError } from './simulation.js';
