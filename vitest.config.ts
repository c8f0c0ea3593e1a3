import { defineConfig } from 'vitest/config';

// Timeouts sized for a busy 2-core machine: several tests go through the 10,000 test images or
// start real processes. Speed is measured by the benchmarks in bench/, never by these limits.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
