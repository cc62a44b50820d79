/**
 * Waits until `check` holds, polling every 5 ms, and fails after `timeoutMs`:
 * socket tests wait for arrivals this way instead of sleeping a fixed time.
 */
export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
