import { defineConfig } from 'vitest/config';

// One run over every package, straight from the TypeScript sources (no build step):
// workspace imports resolve through each package's `exports`, which point at `src/`.
export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
