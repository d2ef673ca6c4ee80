import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Every link in the suite executes its WritePlan on both backends and compares the bytes.
    env: { WELD_PARITY: '1' },
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // One temporary directory per run, removed at its end (test/support/tmp-setup.ts).
    globalSetup: ['test/support/tmp-setup.ts'],
  },
});
