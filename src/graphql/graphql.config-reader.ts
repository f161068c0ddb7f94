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
  /** Let Apollo Sandbox send its usage telemetry to Apollo; off unless SANDBOX_TELEMETRY=true. */
  sandboxTelemetry: boolean;
}

/** TRUSTED_DOCUMENTS_FILE (one or more manifests, comma-separated), TRUSTED_DOCUMENTS_ONLY, SANDBOX_ENABLED and SANDBOX_TELEMETRY. */
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
  const sandboxTelemetry = env.boolean('SANDBOX_TELEMETRY', false);
  return { trustedDocuments: { documents, only }, sandboxEnabled, sandboxTelemetry };
}
