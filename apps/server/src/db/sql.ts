/**
 * The raw-SQL surface migrations need. Kept separate from Prisma because migration
 * files are multi-statement scripts, which Prisma's raw query API does not run.
 */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script (no parameters). */
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}
