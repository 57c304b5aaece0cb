import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests spawn the bundle, tofu and conftest: real processes take real seconds.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    globalSetup: ['test/global-setup.ts'],
    // One file per core, not vitest's default of one fewer: each integration file keeps about one core busy (tofu,
    // a control plane) and waits on it, while the runner process itself is nearly idle. On the 2-core CI machine
    // the default would run the whole suite one file at a time.
    maxWorkers: Math.max(2, os.availableParallelism()),
  },
});
