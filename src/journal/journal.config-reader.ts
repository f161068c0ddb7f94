import type { EnvReader } from '../env/env-reader.js';
import { hasProtocol } from '../env/url-checks.js';
import { Secret } from '../secret.js';
import type { DatabaseConfig } from './journal.config.js';

/** Connection pool and statement timeout defaults suit the CSSS bulkhead: see docs/replicas.md. */
const DEFAULT_DATABASE_POOL_SIZE = 10;
const DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS = 2_000;

/** Where the order journal is kept. */
export interface JournalStoreConfig {
  /** Folder of the order journal file (when `database` is unset). */
  dataDir: string;
  /** DATABASE_URL: the order journal on PostgreSQL, shared by every replica. */
  database: DatabaseConfig | undefined;
}

/** DATA_DIR, and DATABASE_URL (or DATABASE_URL_FILE: it may hold a password) with its pool settings. */
export function readJournalStoreConfig(env: EnvReader): JournalStoreConfig {
  const dataDir = env.value('DATA_DIR') ?? './data';
  const url = env.secret('DATABASE_URL')?.trim() || undefined;
  const poolSize = env.integer('DATABASE_POOL_SIZE', DEFAULT_DATABASE_POOL_SIZE, 1, 1_000);
  const statementTimeoutMs = env.integer('DATABASE_STATEMENT_TIMEOUT_MS', DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS, 100, 60_000);
  if (url === undefined) return { dataDir, database: undefined };
  // The URL may carry a password, so it is never quoted back.
  if (!hasProtocol(url, ['postgres:', 'postgresql:'])) {
    env.problem('DATABASE_URL must be a postgres:// or postgresql:// URL');
    return { dataDir, database: undefined };
  }
  return { dataDir, database: { url: new Secret(url), poolSize, statementTimeoutMs } };
}
