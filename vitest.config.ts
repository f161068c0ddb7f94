import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // type-graphql reads parameter decorators and emitted design types, which oxc only
  // produces in legacy decorator mode.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    // type-graphql loads graphql through CommonJS; without this alias vitest loads the
    // ESM build a second time and graphql rejects types "from another module or realm".
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
