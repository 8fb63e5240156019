import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/temp-root.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start brokers, servers and browsers: run files one at a time on 2 cores.
    fileParallelism: false,
    reporters: ['default'],
  },
});
