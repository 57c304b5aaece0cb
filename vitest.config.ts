import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests spawn the bundle, tofu and conftest: real processes take real seconds.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    globalSetup: ['test/global-setup.ts'],
    // One file more than there are cores, not vitest's default of one fewer: an integration file keeps a core busy
    // with tofu, providers and a control plane, then waits on them (Flux's controllers, retries, timeouts: the
    // health tests use 15 s of CPU in 50 s), while the runner process itself is nearly idle. On the 2-core CI
    // machine the default would run the suite one file at a time; two files took 502 s, three 454 s (warm, fresh
    // clone, the same commit).
    maxWorkers: os.availableParallelism() + 1,
  },
});
