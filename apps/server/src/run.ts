import { createMixroomServer, type MixroomServer, type MixroomServerOptions } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';

/**
 * Starts the server from the environment (loadConfig), listens, and shuts down cleanly on SIGINT
 * or SIGTERM (a second signal exits at once). `main.ts` runs it as is; the e2e suite's launcher
 * (`e2e/support/server.mts`) passes a demo generator that reuses an earlier render.
 */
export async function runServer(options: Omit<MixroomServerOptions, 'logger'> = {}): Promise<MixroomServer> {
  const logger = createLogger();
  const config = loadConfig();
  const server = await createMixroomServer(config, { ...options, logger });
  const { url } = await server.listen();
  logger.info(`Mixroom listening on ${url} (data: ${config.dataDir}, db: ${server.db.kind}, blobs: ${server.blobsDescription})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without finishing shutdown`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: closing connections, flushing pending updates`);
    try {
      await server.close();
      logger.info('shutdown complete');
      process.exit(0);
    } catch (err) {
      // Exits non-zero so a supervisor (or whoever watches) knows this shutdown was not clean.
      logger.error(`shutdown incomplete: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  return server;
}
