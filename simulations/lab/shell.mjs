// Running the system tools the lab needs (ip, nft), each with a time limit,
// so a stuck tool fails the run instead of hanging it.
import { execFileSync, spawnSync } from 'node:child_process';

const TOOL_TIMEOUT_MS = 10_000;

/** Runs a command; throws with its stderr on a non-zero exit. Returns stdout. */
export function run(command, args, input) {
  return execFileSync(command, args, {
    encoding: 'utf8',
    input,
    timeout: TOOL_TIMEOUT_MS,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Like run, but never throws: { ok, stdout, stderr }. For cleanup paths. */
export function tryRun(command, args, input) {
  const result = spawnSync(command, args, { encoding: 'utf8', input, timeout: TOOL_TIMEOUT_MS });
  return {
    ok: result.status === 0,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? (result.error ? String(result.error) : ''),
  };
}

/** Whether an executable is on the PATH. */
export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}
