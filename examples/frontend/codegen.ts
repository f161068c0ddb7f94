import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Types and documents generated from the gateway's committed schema. In your own project,
 * point `schema` at your copy of schema/schema.graphql (or at the gateway's URL where
 * introspection is on) and `documents` at your sources.
 */
const config: CodegenConfig = {
  schema: '../../schema/schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**'],
  ignoreNoDocuments: false,
  // Imports with .js, as Node's ESM and TypeScript's NodeNext resolution need; bundlers accept both.
  emitLegacyCommonJSImports: false,
  generates: {
    // Typed documents for every graphql(`…`) in src, and persisted-documents.json: the
    // manifest (hash → document) the gateway loads with TRUSTED_DOCUMENTS_FILE. SHA-256 is
    // what the gateway (and Apollo Server) check hashes with.
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: { enumsAsTypes: true, useTypeImports: true },
    },
    // The ErrorCode enum as a string union. No field returns it (codes travel in
    // `extensions.code`), so the client preset, which emits what operations use, leaves it out.
    'src/gql/error-code.ts': {
      plugins: ['typescript'],
      config: { onlyEnums: true, enumsAsTypes: true },
    },
  },
};

export default config;
