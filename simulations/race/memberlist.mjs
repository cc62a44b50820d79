// The memberlist reference harness (memberlist-bench, Go): where its binary
// is, how to build it offline from Debian's packages, how to run it, and its
// JSON result in the row shape of race/columns.mjs.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the harness's source sits next to a checkout (the issue points there). */
export const DEFAULT_HARNESS_SOURCE = resolve(REPO, '..', 'shared', 'reference', 'memberlist-bench');
export const DEFAULT_HARNESS_BINARY = join(tmpdir(), 'memberlist-bench', 'memberlist-bench');
/** Debian's GOPATH with memberlist 0.2.2 and its dependencies (golang-github-hashicorp-memberlist-dev). */
const DEBIAN_GOPATH = '/usr/share/gocode';
const MEMBERLIST_SOURCE = join(DEBIAN_GOPATH, 'src', 'github.com', 'hashicorp', 'memberlist');
const BUILD_TIMEOUT_MS = 300_000;

export const INSTALL_HINT = `The memberlist harness is needed. On Debian bookworm:

    apt-get install -y golang-go golang-github-hashicorp-memberlist-dev
    cp -r ${DEFAULT_HARNESS_SOURCE} ${dirname(DEFAULT_HARNESS_BINARY)}
    cd ${dirname(DEFAULT_HARNESS_BINARY)}
    GO111MODULE=off GOPATH=${DEBIAN_GOPATH} GOPROXY=off go build -o memberlist-bench .

or pass --harness PATH (or set MEMBERLIST_BENCH) to a memberlist-bench binary.
With Go and the memberlist package installed and the harness source at --harness-source,
this script builds it itself (offline).`;

function hasGo() {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The harness binary to run: the given one when it exists, else one built
 * now (offline, GOPATH mode, no module proxy) when Go, memberlist's source
 * and the harness's source are all present. Undefined when neither works.
 */
export function locateHarness({ binary, source }) {
  const fresh = existsSync(binary) && (!existsSync(join(source, 'main.go')) || isNewer(binary, source));
  if (fresh) return binary;
  if (!existsSync(join(source, 'main.go')) || !existsSync(MEMBERLIST_SOURCE) || !hasGo()) {
    return existsSync(binary) ? binary : undefined;
  }
  const buildDir = dirname(binary);
  mkdirSync(buildDir, { recursive: true });
  // A copy of a read-only tree keeps its modes: replace the file rather than write into it.
  rmSync(join(buildDir, 'main.go'), { force: true });
  cpSync(join(source, 'main.go'), join(buildDir, 'main.go'));
  console.error(`building ${binary} from ${source} (offline)`);
  execFileSync('go', ['build', '-o', binary, '.'], {
    cwd: buildDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: BUILD_TIMEOUT_MS,
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: DEBIAN_GOPATH,
      GOPROXY: 'off',
      GOFLAGS: '',
      GOCACHE: join(tmpdir(), 'memberlist-bench-gocache'),
    },
  });
  return binary;
}

function isNewer(binary, source) {
  return statSync(binary).mtimeMs >= statSync(join(source, 'main.go')).mtimeMs;
}

/** Go's version string, for the table's caption. */
export function goVersion() {
  try {
    return execFileSync('go', ['version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return 'go: unknown';
  }
}

/** Arguments for one harness run, the lan config (DefaultLANConfig), the same windows as meshnode's. */
export function harnessArgs(count, { basePort, steadyMs, settleMs }) {
  return [
    '-n',
    String(count),
    '-config',
    'lan',
    '-baseport',
    String(basePort),
    '-steady',
    `${steadyMs}ms`,
    '-settle',
    `${settleMs}ms`,
    '-json',
  ];
}

const ms = (seconds) => (Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined);
/** The largest delay, only when every node saw the event (a missing one makes "by all" unknown). */
const allMs = (spread) => (spread !== undefined && spread.missing === 0 ? ms(spread.max_s) : undefined);

/** One harness result in the row shape both tools share. */
export function rowFromHarness(result) {
  const { steady = {}, config = {} } = result;
  return {
    tool: 'memberlist',
    nodes: result.n,
    preset: config.name,
    joinCallsDoneMs: ms(result.join_calls_returned_s),
    joinRetries: result.join_retries,
    joinFailures: result.join_errors,
    joinFirstMs: ms(result.join_full_view_dist?.first_s),
    joinMedianMs: ms(result.join_full_view_dist?.median_s),
    joinKnownMs: ms(result.join_converged_s),
    steadyWindowS: steady.window_s,
    udpBytesPerNodePerS: steady.udp_bytes_per_node_per_s,
    udpPacketsPerNodePerS: steady.udp_pkts_per_node_per_s,
    tcpBytesPerNodePerS: steady.tcp_bytes_per_node_per_s,
    cpuSecondsPerNodeSecond: steady.cpu_s_per_node_second,
    machineBusySteady: steady.machine_busy_frac,
    pushPullExchangeBytes: steady.pushpull_exchange_bytes,
    pushPullIntervalMs: ms(config.derived_push_pull_interval_s),
    longRunBytesPerNodePerS: steady.long_run_bytes_per_node_per_s,
    crashFirstMs: ms(result.kill_detect?.first_s),
    crashMedianMs: ms(result.kill_detect?.median_s),
    crashP90Ms: ms(result.kill_detect?.p90_s),
    crashAllMs: allMs(result.kill_detect),
    leaveCallMs: ms(result.leave_call_s),
    leaveMedianMs: ms(result.leave_propagation?.median_s),
    leaveAllMs: allMs(result.leave_propagation),
    rssMiB: result.rss_mib,
    unexpectedFailures: result.unexpected_dead_events?.length ?? 0,
    selfCpuSaturated: result.self_cpu_saturated,
    machineContended: result.machine_contended,
    notes: result.notes ?? [],
  };
}
