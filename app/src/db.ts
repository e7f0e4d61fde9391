// One small interface over node-postgres (production) and PGlite (embedded mode, tests): the same SQL runs on both.
import { Pool } from 'pg';

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Server-side limits on every connection, so a frozen or partitioned worker cannot stall the others. */
export interface PgTimeouts {
  /** Waiting for a lock (row, table, the planning advisory lock) longer than this fails the statement. */
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** A session idle inside a transaction (its client froze or vanished) is ended and its locks released. */
  readonly idleInTransactionTimeoutMs: number;
  /** TCP keepalives: a dead peer on either side is noticed instead of waited on forever. */
  readonly keepAliveInitialDelayMs: number;
  readonly poolSize: number;
}

export const DEFAULT_PG_TIMEOUTS: PgTimeouts = { lockTimeoutMs: 10_000, statementTimeoutMs: 60_000, idleInTransactionTimeoutMs: 15_000, keepAliveInitialDelayMs: 10_000, poolSize: 5 };

export function connectPostgres(connectionString: string, max?: number, timeouts: Partial<PgTimeouts> = {}): Db {
  const t = { ...DEFAULT_PG_TIMEOUTS, ...timeouts };
  const pool = new Pool({
    connectionString, max: max ?? t.poolSize, application_name: process.env.CASE_ASSIGNER_APP_NAME ?? 'case-assigner',
    lock_timeout: t.lockTimeoutMs, statement_timeout: t.statementTimeoutMs, idle_in_transaction_session_timeout: t.idleInTransactionTimeoutMs,
    // Client-side bound slightly above the server's: a server that stopped answering does not hang the cycle.
    query_timeout: t.statementTimeoutMs + 5_000, connectionTimeoutMillis: 10_000,
    keepAlive: true, keepAliveInitialDelayMillis: t.keepAliveInitialDelayMs,
  });
  // An idle client error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return {
    kind: 'postgres',
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pool.query(sql, params)).rows as T[] }),
    exec: async (sql: string) => void (await pool.query(sql)),
    async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn({
          query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as R[] }),
          exec: async (sql: string) => void (await client.query(sql)),
        });
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** In-process PostgreSQL (WASM). `dataDir` undefined = in memory. */
export async function connectPglite(dataDir?: string): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create(dataDir);
  return {
    kind: 'pglite',
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pg.query<T>(sql, params)).rows }),
    exec: async (sql: string) => void (await pg.exec(sql)),
    tx: <T>(fn: (q: Queryable) => Promise<T>) =>
      pg.transaction(async (t) =>
        fn({
          query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await t.query<R>(sql, params)).rows }),
          exec: async (sql: string) => void (await t.exec(sql)),
        }),
      ),
    close: () => pg.close(),
  };
}

export async function connect(databaseUrl: string | undefined, pgliteDir?: string, timeouts?: Partial<PgTimeouts>): Promise<Db> {
  return databaseUrl ? connectPostgres(databaseUrl, undefined, timeouts) : connectPglite(pgliteDir);
}
