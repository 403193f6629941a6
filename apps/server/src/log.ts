// Deliberately tiny: one line per event on stderr, silenced in tests via LOG_LEVEL.
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, extra?: unknown): void;
  info(msg: string, extra?: unknown): void;
  warn(msg: string, extra?: unknown): void;
  error(msg: string, extra?: unknown): void;
}

export function createLogger(scope = 'mixroom', level = (process.env.LOG_LEVEL ?? 'info') as Level | 'silent'): Logger {
  const min = order[level] ?? order.info;
  const emit = (l: Level) => (msg: string, extra?: unknown) => {
    if (order[l] < min) return;
    const tail = extra === undefined ? '' : ' ' + (extra instanceof Error ? extra.stack ?? extra.message : JSON.stringify(extra));
    process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} [${scope}] ${msg}${tail}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
