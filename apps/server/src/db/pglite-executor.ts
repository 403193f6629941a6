import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlExecutor } from './sql.js';

export function pgliteExecutor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await db.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      if (!('transaction' in db)) throw new Error('nested transactions are not supported');
      return db.transaction((tx) => fn(pgliteExecutor(tx)));
    },
  };
}
