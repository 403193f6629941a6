/** The server process's environment: `env` plus MALLOC_ARENA_MAX (see server-process-env.mjs). */
export function serverProcessEnv<T extends Record<string, string | undefined> = NodeJS.ProcessEnv>(env?: T): T & { MALLOC_ARENA_MAX: string };
