// Can the lab run on this machine? Root, iproute2, nftables (installed
// from the Debian package when missing, as on a fresh CI machine) and the
// right to create network namespaces. Returns the reason it cannot, or undefined.
import { spawnSync } from 'node:child_process';
import { hasCommand, tryRun } from './shell.mjs';
import { deleteNamespace, runPrefix } from './topology.mjs';

const APT_TIMEOUT_MS = 300_000;

function installNftables(say) {
  if (!hasCommand('apt-get')) return 'nft is missing and apt-get is not available to install nftables';
  say('lab: nft is missing; installing the nftables package (apt-get)');
  const options = { stdio: ['ignore', 'ignore', 'pipe'], timeout: APT_TIMEOUT_MS, encoding: 'utf8' };
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { ...options, env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'nftables'], { ...options, env });
  if (install.status !== 0 || !hasCommand('nft')) {
    return `installing nftables failed: ${(install.stderr ?? '').trim().split('\n').at(-1) ?? ''}`;
  }
  return undefined;
}

export function preflight(say) {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'the lab needs root to create network namespaces (run as root, or set MESHNODE_LAB=skip to skip it)';
  }
  if (!hasCommand('ip')) return 'the ip command (iproute2) is missing';
  if (!hasCommand('nft')) {
    const failure = installNftables(say);
    if (failure !== undefined) return failure;
  }
  const probe = `${runPrefix()}probe`;
  const created = tryRun('ip', ['netns', 'add', probe]);
  if (!created.ok) return `cannot create a network namespace: ${created.stderr.trim()}`;
  // The faults live in a bridge-family table: check that this kernel has one.
  const nft = tryRun('ip', ['netns', 'exec', probe, 'nft', '-f', '-'], 'table bridge mnlab_probe {}\n');
  deleteNamespace(probe);
  if (!nft.ok) return `nft cannot create a bridge table inside a namespace: ${nft.stderr.trim()}`;
  return undefined;
}
