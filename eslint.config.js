import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      '.dist-*/',
      'node_modules/',
      'test/generated/',
      'data/',
      'examples/*/dist/',
      'examples/*/dist-node/',
      'examples/*/src/gql/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'error',
    },
  },
  {
    // Scripts that report to a terminal: CI glue and the example's walk-throughs. The browser
    // test's callbacks run in the page, hence the DOM's globals.
    files: ['.ci/*.mjs', 'examples/*/src/*walk-through.ts'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        document: 'readonly',
        getComputedStyle: 'readonly',
      },
    },
    rules: { 'no-console': 'off' },
  },
  // Last, so formatting is prettier's alone.
  prettier,
);
