// Printing a scenario's checks and its lab-versus-simulator figures.
import { spread } from './model.mjs';
import { seconds } from './scenarios/common.mjs';
import { quantiles } from './views.mjs';

function table(headers, rows) {
  const widths = headers.map((h, col) => Math.max(h.length, ...rows.map((r) => String(r[col]).length)));
  const line = (cells) =>
    cells
      .map((cell, col) => String(cell).padEnd(widths[col]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function value(unit, v) {
  if (v === null || v === undefined) return 'n/a';
  return unit === 'ms' ? seconds(v) : String(v);
}

export function formatChecks(checks) {
  return table(
    ['check', 'lab', 'bound', 'result'],
    checks.map((c) => [c.what, c.measured, c.bound, c.pass ? 'pass' : 'FAIL']),
  );
}

function simText(model, f) {
  if (model === undefined) return '-';
  const s = spread(model, f.fromRun);
  if (s.runs === 0) return `n/a (${s.of} seeds)`;
  const range = `${value(f.unit, s.median)} [${value(f.unit, s.min)} .. ${value(f.unit, s.max)}]`;
  return s.runs < s.of ? `${range} (${s.runs}/${s.of} seeds)` : range;
}

/** Each figure: the lab's value, the simulator's median and range over its seeds, as shipped and with the runtime's sync deadline. */
export function modelRows(figures, model, modelRuntimeSync) {
  return figures.map((f) => ({
    what: f.what,
    lab: value(f.unit, f.lab),
    sim: simText(model, f),
    simRuntimeSync: simText(modelRuntimeSync, f),
  }));
}

export function formatModel(rows) {
  return table(
    ['figure', 'lab', 'simulator median [range], 5 seeds', 'simulator, runtime sync deadline'],
    rows.map((r) => [r.what, r.lab, r.sim, r.simRuntimeSync]),
  );
}

/** The lab's figures over several runs of one scenario, beside the simulator's (from the first run's plan). */
export function combineLabRuns(outcomes) {
  const first = outcomes[0];
  return first.figures.map((f, i) => {
    const values = outcomes.map((o) => o.figures[i]?.lab).filter((v) => v !== null && v !== undefined);
    const q = quantiles(values);
    const lab =
      values.length === 0
        ? 'n/a'
        : `${value(f.unit, q.median)} [${value(f.unit, q.first)} .. ${value(f.unit, q.max)}]${values.length < outcomes.length ? ` (${values.length}/${outcomes.length} runs)` : ''}`;
    return {
      what: f.what,
      lab,
      sim: first.modelRows[i].sim,
      simRuntimeSync: first.modelRows[i].simRuntimeSync,
    };
  });
}
