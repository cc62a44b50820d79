// The columns both tools report (issue "beat memberlist"), keyed as in one
// run's result row, with how each is printed. The meshnode benchmark and the
// memberlist harness adapter both produce rows with these keys.

// Sub-100 ms delays (a leave on loopback) keep three decimals so they do not print as zero.
const seconds = (ms) => `${(ms / 1000).toFixed(ms < 100 ? 3 : 2)} s`;
const whole = (value) => Math.round(value).toLocaleString('en-US');
const fixed = (digits) => (value) => value.toFixed(digits);

/** Columns measured by both tools, in table order. */
export const SHARED_COLUMNS = [
  { key: 'joinKnownMs', title: 'join: all know all', format: seconds },
  { key: 'crashMedianMs', title: 'crash known (median survivor)', format: seconds },
  { key: 'crashAllMs', title: 'crash known by all', format: seconds },
  { key: 'leaveAllMs', title: 'leave known by all', format: seconds },
  { key: 'udpBytesPerNodePerS', title: 'UDP B/s/node', format: whole },
  { key: 'tcpBytesPerNodePerS', title: 'TCP B/s/node (window)', format: whole },
  { key: 'pushPullExchangeBytes', title: 'push-pull exchange bytes', format: whole },
  { key: 'longRunBytesPerNodePerS', title: 'long-run B/s/node', format: whole },
  { key: 'cpuSecondsPerNodeSecond', title: 'CPU s per node-s', format: fixed(5) },
  { key: 'rssMiB', title: 'RSS MiB', format: whole },
];

/** Columns only meshnode has (its view and agreement), printed beside the join. */
export const MESHNODE_COLUMNS = [
  { key: 'joinViewsMs', title: 'views hold all', format: seconds },
  { key: 'joinSettledMs', title: 'all settled', format: seconds },
  { key: 'periodicSyncBytes', title: 'periodic sync bytes', format: whole },
  { key: 'crashOutOfViewsMs', title: 'crash out of views', format: seconds },
  { key: 'leaveOutOfViewsMs', title: 'leave out of views', format: seconds },
];

/** A cell, or a dash for a value that is missing (a phase that timed out). */
export function cell(column, row) {
  const value = row?.[column.key];
  return Number.isFinite(value) ? column.format(value) : '—';
}

/** A markdown table: one header row, one row per entry of `rows`. */
export function markdownTable(titles, rows) {
  return [
    `| ${titles.join(' | ')} |`,
    `| ${titles.map(() => '---:').join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');
}
