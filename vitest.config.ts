import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Real SMTP servers, SQLite files and Chromium: give slow CI machines room, but no timed assertions.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['tests/global-setup.ts', 'tests/pg-setup.ts'],
  },
});
