// Child processes that print one JSON object as their last stdout line. Each
// has a hard time limit, and every child still running is killed when this
// process exits or is interrupted, so no run outlives the session.
import { spawn } from 'node:child_process';

const running = new Set();

function killAll() {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Runs `command args`, resolves with the JSON object on its last stdout line;
 * rejects on failure or timeout (a failed run's JSON, if any, as `error.result`).
 */
export function runJsonChild(command, args, { timeoutMs, label }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    running.add(child);
    let stdout = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`${label}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (timedOut) return reject(new Error(`${label}: killed after ${timeoutMs} ms`));
      try {
        const result = JSON.parse(last);
        // The harness exits 1 with a JSON object when the join did not converge.
        if (code !== 0) {
          const failure = new Error(`${label}: exit ${code}: ${result.notes?.join('; ') ?? last}`);
          failure.result = result;
          return reject(failure);
        }
        resolve(result);
      } catch {
        reject(
          new Error(`${label}: exit ${code ?? signal}, no JSON result (last line: ${last.slice(0, 200)})`),
        );
      }
    });
  });
}
