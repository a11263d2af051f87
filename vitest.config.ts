import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-kill.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Integration tests share one Kafka and one Elasticsearch and start real processes: one file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
