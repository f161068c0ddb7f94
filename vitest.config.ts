import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // oxc parses parameter decorators (@Arg, @Ctx) only in legacy decorator mode. Every field
  // and argument names its GraphQL type explicitly, so the schema does not depend on design
  // metadata; it is emitted anyway, as tsc does for the build, so tests run the same code.
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
