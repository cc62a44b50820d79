/**
 * meshnode/sim: the deterministic network simulator. Real protocol cores on
 * one virtual clock, the real codec, a seeded fault model, invariant
 * checkers, and the named scenarios behind `meshnode simulate`.
 */
export {
  detectionBoundMs,
  disseminationBoundMs,
  disturbanceGraceMs,
  firstProbeBoundMs,
  healBoundMs,
  leaveBoundMs,
  pushPullIntervalMs,
  retransmitLimit,
  suspicionMaxMs,
  suspicionMinMs,
} from './bounds.js';
export { ChartUnavailableError, chartSpec, renderChartSvg } from './chart.js';
export { type CheckerOptions, compareUtf8, Invariants, viewProblem } from './checkers.js';
export { Metrics, Spread, type SpreadKind, type TrafficCounters } from './metrics.js';
export {
  defaultNetwork,
  type LatencyModel,
  Network,
  type NetworkOptions,
  networkLatency,
  type PartitionSpec,
} from './network.js';
export { EventQueue, type QueueEntry } from './queue.js';
export { formatReport } from './report.js';
export {
  type DetectionSummary,
  lastFaultMs,
  type NetworkOverrides,
  type RunOptions,
  resolveNetwork,
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
  lifeguardOff,
  type ScenarioInfo,
  type ScenarioName,
  type ScenarioParams,
  scenarioInfo,
  scenarioNames,
} from './scenarios.js';
export {
  type CoreFactory,
  deriveSeed,
  type LifecycleChange,
  type PartitionRecord,
  partitionInvolves,
  partitionSeparates,
  type SimCore,
  type SimListener,
  Simulation,
  SimulationError,
  type SimulationOptions,
  Slot,
  type SlotStatus,
  type StartOptions,
  slotAddress,
  slotId,
} from './simulation.js';
export { TraceHash } from './trace.js';
export { codecWire, SIM_STATE_BYTES_MAX, type Wire, type WireResult } from './wire.js';
