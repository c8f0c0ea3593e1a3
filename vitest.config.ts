import { defineConfig } from 'vitest/config';

// Timeouts sized for a busy 2-core machine: several tests go through the 10,000 test images or
// start real processes. Speed is measured by the benchmarks in bench/, never by these limits.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `vitest run --coverage` (npm run test:all, .ci/run): the service's own code, measured in
    // the test processes (what the tests run in child processes and containers is not counted)
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary'],
      // a floor a little under what the suite holds, so a change that drops tests is seen
      thresholds: { lines: 90, statements: 89, branches: 85, functions: 87 },
    },
  },
});
