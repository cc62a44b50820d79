/**
 * SVG charts of a run, drawn by vega-lite and rendered headless by vega:
 * the fraction of live nodes aware of the followed update over time, and the
 * distribution of crash-detection delays. Both libraries are optional
 * (devDependencies) and loaded only when a chart is asked for.
 */

import { MeshError } from '../core/errors.js';
import type { SimulationResult } from './scenario.js';

/** `renderChartSvg` needs the optional vega and vega-lite packages; they are not installed. */
export class ChartUnavailableError extends MeshError {
  constructor(cause: unknown) {
    super(
      'ERR_MESH_CHART_UNAVAILABLE',
      'charts need the "vega" and "vega-lite" packages: npm install --save-dev vega vega-lite',
      { cause },
    );
  }
}

/** The vega-lite spec (plain JSON) for a run: exported so it can be rendered elsewhere too. */
export function chartSpec(result: SimulationResult): Record<string, unknown> {
  const { report, series } = result;
  const panels: Record<string, unknown>[] = [];
  if (series.awarenessMs.length > 0 && series.awarenessObservers > 0) {
    const points = [{ seconds: 0, fraction: 0 }];
    series.awarenessMs.forEach((ms, i) => {
      points.push({ seconds: ms / 1000, fraction: (i + 1) / series.awarenessObservers });
    });
    panels.push({
      title: `Nodes aware of the ${report.dissemination.kind} update`,
      width: 480,
      height: 220,
      data: { values: points },
      mark: { type: 'line', interpolate: 'step-after', point: false },
      encoding: {
        x: { field: 'seconds', type: 'quantitative', title: 'seconds after the update started' },
        y: {
          field: 'fraction',
          type: 'quantitative',
          title: 'fraction of live nodes',
          scale: { domain: [0, 1] },
          axis: { format: '%' },
        },
      },
    });
  }
  if (series.detectionMs.length > 0) {
    panels.push({
      title: 'Crash detection delay per observer',
      width: 480,
      height: 220,
      data: { values: series.detectionMs.map((ms) => ({ seconds: ms / 1000 })) },
      mark: 'bar',
      encoding: {
        x: { field: 'seconds', type: 'quantitative', bin: { maxbins: 40 }, title: 'seconds after the crash' },
        y: { aggregate: 'count', type: 'quantitative', title: 'observers' },
      },
    });
  }
  if (panels.length === 0) {
    throw new RangeError(`scenario ${report.scenario} followed no update and saw no crash: nothing to chart`);
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${report.scenario}: ${report.nodes} nodes, seed ${report.seed}, ${report.preset}, Lifeguard ${report.lifeguard ? 'on' : 'off'}, loss ${report.loss * 100}%`,
    vconcat: panels,
  };
}

/** The optional charting packages, or ChartUnavailableError when they are not installed. */
async function loadCharting(): Promise<{
  vega: typeof import('vega');
  vegaLite: typeof import('vega-lite');
}> {
  try {
    return { vega: await import('vega'), vegaLite: await import('vega-lite') };
  } catch (error) {
    throw new ChartUnavailableError(error);
  }
}

/** Resolves when charts can be rendered; rejects with ChartUnavailableError (vega, vega-lite missing) otherwise. */
export async function assertChartingAvailable(): Promise<void> {
  await loadCharting();
}

/** Renders the chart of a run to SVG text. */
export async function renderChartSvg(result: SimulationResult): Promise<string> {
  const spec = chartSpec(result);
  const { vega, vegaLite } = await loadCharting();
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
