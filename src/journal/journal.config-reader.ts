import type { EnvReader } from '../env/env-reader.js';
import { hasProtocol } from '../env/url-checks.js';
import { Secret } from '../secret.js';
import type { DatabaseConfig } from './journal.config.js';

/** Connection pool and statement timeout defaults suit the CSSS bulkhead: see docs/replicas.md. */
const DEFAULT_DATABASE_POOL_SIZE = 10;
const DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS = 2_000;
/** ORDER_SEND_BUDGET_MS unless set: room for a slow WAL sync or commit and a busy event loop. */
const DEFAULT_ORDER_SEND_BUDGET_MS = 2_000;

/** Where the order journal is kept. */
export interface JournalStoreConfig {
  /** Folder of the order journal file (when `database` is unset). */
  dataDir: string;
  /** DATABASE_URL: the order journal on PostgreSQL, shared by every replica. */
  database: DatabaseConfig | undefined;
  /** The longest a claimed order may wait (journal sync, a busy event loop) before it leaves; past it, it is not sent. */
  orderSendBudgetMs: number;
}

/** DATA_DIR, DATABASE_URL (or DATABASE_URL_FILE: it may hold a password) with its pool settings, and ORDER_SEND_BUDGET_MS. */
export function readJournalStoreConfig(env: EnvReader): JournalStoreConfig {
  const dataDir = env.value('DATA_DIR') ?? './data';
  const orderSendBudgetMs = env.integer('ORDER_SEND_BUDGET_MS', DEFAULT_ORDER_SEND_BUDGET_MS, 10, 600_000);
  const url = env.secret('DATABASE_URL')?.trim() || undefined;
  const poolSize = env.integer('DATABASE_POOL_SIZE', DEFAULT_DATABASE_POOL_SIZE, 1, 1_000);
  const statementTimeoutMs = env.integer('DATABASE_STATEMENT_TIMEOUT_MS', DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS, 100, 60_000);
  if (url === undefined) return { dataDir, database: undefined, orderSendBudgetMs };
  // The URL may carry a password, so it is never quoted back.
  if (!hasProtocol(url, ['postgres:', 'postgresql:'])) {
    env.problem('DATABASE_URL must be a postgres:// or postgresql:// URL');
    return { dataDir, database: undefined, orderSendBudgetMs };
  }
  return { dataDir, database: { url: new Secret(url), poolSize, statementTimeoutMs }, orderSendBudgetMs };
}
