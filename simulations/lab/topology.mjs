// The lab's hosts: one network namespace per host, each with one veth into a
// bridge that lives in a namespace of its own. Addresses come from a /24 of
// 10.0.0.0/8 that exists only inside these namespaces: nothing is routed,
// nothing reaches the machine's own network. Names carry the lab's prefix
// and the pid of the run, so two runs never collide and a sweeper can tell
// which namespaces belong to a run that is gone.
import { readFileSync } from 'node:fs';
import { run, tryRun } from './shell.mjs';

export const LAB_PREFIX = 'mnlab';
export const SUBNET = '10.203.0.0/24';
export const MESH_PORT = 7946;
export const HTTP_PORT = 7947;
const FIRST_HOST_OCTET = 10;
const HOSTS_MAX = 200;

export function hostAddress(index) {
  return `10.203.0.${FIRST_HOST_OCTET + index}`;
}

/** The namespaces of this run: `<prefix>-<pid>-br` and `<prefix>-<pid>-h<i>`. */
export function runPrefix(pid = process.pid) {
  return `${LAB_PREFIX}-${pid}-`;
}

export function listNamespaces() {
  const result = tryRun('ip', ['netns', 'list']);
  if (!result.ok) return [];
  return result.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name) => name !== undefined && name !== '');
}

/**
 * Creates the bridge namespace and `count` host namespaces. Everything made
 * is recorded in `created` before the next step, so cleanup can undo a
 * half-built topology.
 */
export function createTopology(count, created) {
  if (!Number.isInteger(count) || count < 2 || count > HOSTS_MAX) {
    throw new RangeError(`hosts must be an integer in 2..${HOSTS_MAX}, got ${count}`);
  }
  const prefix = runPrefix();
  const bridge = `${prefix}br`;
  run('ip', ['netns', 'add', bridge]);
  created.push(bridge);
  run('ip', ['-n', bridge, 'link', 'set', 'lo', 'up']);
  run('ip', ['-n', bridge, 'link', 'add', 'br0', 'type', 'bridge']);
  run('ip', ['-n', bridge, 'link', 'set', 'br0', 'up']);
  const hosts = [];
  for (let i = 0; i < count; i++) {
    const ns = `${prefix}h${i}`;
    run('ip', ['netns', 'add', ns]);
    created.push(ns);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // Both ends are created directly inside namespaces: the machine's own
    // namespace never holds a lab interface, not even for a moment.
    run('ip', ['-n', bridge, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    run('ip', ['-n', bridge, 'link', 'set', `v${i}`, 'master', 'br0', 'up']);
    run('ip', ['-n', ns, 'addr', 'add', `${hostAddress(i)}/24`, 'dev', 'eth0']);
    run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    hosts.push({ index: i, ns, address: hostAddress(i) });
  }
  return { bridge, hosts };
}

/** Kills whatever still runs inside a namespace (only lab namespaces are passed here), then deletes it. */
export function deleteNamespace(name) {
  const pids = tryRun('ip', ['netns', 'pids', name]).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return tryRun('ip', ['netns', 'del', name]).ok;
}

/** Deletes every namespace of this run (its veths and nft rules go with them). */
export function destroyTopology(pid = process.pid) {
  const prefix = runPrefix(pid);
  const failed = [];
  for (const name of listNamespaces()) {
    if (name.startsWith(prefix) && !deleteNamespace(name)) failed.push(name);
  }
  return failed;
}

function isLabRunAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('simulations/lab');
  } catch {
    return false;
  }
}

/** Removes namespaces left by lab runs that are no longer running (killed with -9, machine crash). */
export function sweepStale() {
  const pattern = new RegExp(`^${LAB_PREFIX}-(\\d+)-`);
  const stalePids = new Set();
  for (const name of listNamespaces()) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && !isLabRunAlive(pid)) stalePids.add(pid);
  }
  const swept = [];
  for (const pid of stalePids) {
    const before = listNamespaces().filter((n) => n.startsWith(runPrefix(pid)));
    destroyTopology(pid);
    swept.push(...before);
  }
  return swept;
}
