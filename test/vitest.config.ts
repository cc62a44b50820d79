import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    // Generous per-test ceilings: real-socket and process tests wait on events, never on sleeps.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
