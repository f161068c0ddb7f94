import type { EnvReader } from '../env/env-reader.js';
import { parseTrustedDocumentManifest } from './trusted-documents.js';

/** What GraphQL serves and shows. */
export interface GraphqlConfig {
  /**
   * Operations known ahead of time, hash → document, from the TRUSTED_DOCUMENTS_FILE
   * manifests; `only`: refuse every other operation (the production setting).
   */
  trustedDocuments: { documents: ReadonlyMap<string, string>; only: boolean };
  /** Introspection, Sandbox and suggestions, which production turns off by default. */
  sandboxEnabled: boolean;
}

/** TRUSTED_DOCUMENTS_FILE (one or more manifests, comma-separated), TRUSTED_DOCUMENTS_ONLY and SANDBOX_ENABLED. */
export function readGraphqlConfig(env: EnvReader, production: boolean): GraphqlConfig {
  const only = env.boolean('TRUSTED_DOCUMENTS_ONLY', false);
  const files = env.list('TRUSTED_DOCUMENTS_FILE');
  const documents = new Map<string, string>();
  for (const file of files) {
    const manifest = env.parseFile(`TRUSTED_DOCUMENTS_FILE (${file})`, file, parseTrustedDocumentManifest);
    for (const [hash, document] of manifest ?? []) documents.set(hash, document);
  }
  if (only && files.length === 0) {
    env.problem('TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS_FILE: without a manifest every operation would be refused');
  }
  const sandboxEnabled = env.boolean('SANDBOX_ENABLED', !production);
  return { trustedDocuments: { documents, only }, sandboxEnabled };
}
