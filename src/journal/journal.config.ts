import type { Secret } from '../secret.js';

/** The shared PostgreSQL journal of a replicated deployment; unset keeps the SQLite file in dataDir. */
export interface DatabaseConfig {
  /** postgres://…; it may hold a password. */
  url: Secret;
  poolSize: number;
  statementTimeoutMs: number;
}

/**
 * Where the journal is: DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite), and the send budget
 * and CSSS deadline its stale window derives from.
 */
export interface JournalLocation {
  dataDir: string;
  database: DatabaseConfig | undefined;
  csssTimeoutMs: number;
  /** The longest a claimed attempt may wait before its request leaves; past it, it is not sent. */
  orderSendBudgetMs: number;
}
