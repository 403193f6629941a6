import type pg from 'pg';
import type { SqlExecutor } from './sql.js';

export function pgExecutor(pool: pg.Pool): SqlExecutor {
  const onClient = (client: pg.Pool | pg.PoolClient, inTx: boolean): SqlExecutor => ({
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params as unknown[])).rows as T[];
    },
    async exec(sql: string) {
      // Without parameters pg uses the simple query protocol, which accepts multiple statements.
      await client.query(sql);
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      if (inTx) throw new Error('nested transactions are not supported');
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const result = await fn(onClient(c, true));
        await c.query('COMMIT');
        return result;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        c.release();
      }
    },
  });
  return onClient(pool, false);
}
