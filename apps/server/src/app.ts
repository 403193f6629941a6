import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server as IoServer } from 'socket.io';
import type { AccessControl } from './auth/access.js';
import { HeaderAccessControl } from './auth/header-access.js';
import type { BlobStore } from './blob/blob-store.js';
import { LocalBlobStore } from './blob/local-blob-store.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/open.js';
import { attachPresence } from './events/presence.js';
import { attachTogether } from './events/together.js';
import { HttpError, sendError } from './http/respond.js';
import { Router } from './http/router.js';
import { parseSessionId, registerSessionRoutes } from './http/sessions.js';
import { NOT_BUILT_PAGE, StaticSite } from './http/static.js';
import { registerStemRoutes } from './http/stems.js';
import { createLogger, type Logger } from './log.js';
import { attachReviewSubscriptions, registerReviewRoutes, socketIoBroadcaster } from './review/index.js';
import { seedIfEmpty, type DemoGenerator, type SeedEngine } from './seed.js';
import { InProcessFanout, type DocUpdateFanout } from './sync/fanout.js';
import { defaultRoomOptions, RoomManager, type RoomManagerOptions } from './sync/room-manager.js';
import { UpdateLog } from './sync/update-log.js';
import { YjsWebsocketServer, type YjsWebsocketOptions } from './sync/ws-server.js';

export interface MixroomServerOptions {
  logger?: Logger;
  sync?: Partial<RoomManagerOptions> & YjsWebsocketOptions;
  /** Share one between servers to simulate several processes; defaults to a private one. */
  fanout?: DocUpdateFanout;
  blobs?: BlobStore;
  /** false: never seed. Otherwise seeds the demo session into an empty database on listen(). */
  seed?: false | { generator?: DemoGenerator; engine?: SeedEngine };
  /**
   * Who is calling and what they may do. Defaults to the header/cookie stand-in
   * (auth/header-access.ts) until the real cookie auth (issue 3) is merged and passed here.
   */
  access?: AccessControl;
}

export interface MixroomServer {
  listen(): Promise<{ port: number; url: string }>;
  /** Stop accepting, close sockets (1001), flush and compact every session, close the database. */
  close(): Promise<void>;
  readonly db: Database;
  readonly rooms: RoomManager;
  readonly blobs: BlobStore;
}

export async function createMixroomServer(config: Config, options: MixroomServerOptions = {}): Promise<MixroomServer> {
  const logger = options.logger ?? createLogger();
  const db = await openDatabase(config);
  if (db.migrations.applied.length) logger.info(`applied migrations: ${db.migrations.applied.join(', ')}`);
  const blobs = options.blobs ?? new LocalBlobStore(path.join(config.dataDir, 'blobs'));
  const fanout = options.fanout ?? new InProcessFanout();
  const updateLog = new UpdateLog(db.prisma);
  const rooms = new RoomManager(updateLog, fanout, logger, {
    ...defaultRoomOptions,
    flushDelayMs: config.syncFlushMs ?? defaultRoomOptions.flushDelayMs,
    compactThreshold: config.syncCompactRows ?? defaultRoomOptions.compactThreshold,
    unloadGraceMs: config.syncUnloadGraceMs ?? defaultRoomOptions.unloadGraceMs,
    ...options.sync,
  });
  const yjs = new YjsWebsocketServer(rooms, logger, options.sync);
  const site = new StaticSite(path.resolve(config.webDist));

  const access = options.access ?? new HeaderAccessControl((id) => updateLog.sessionExists(id));
  const api = new Router();
  registerSessionRoutes(api, db.prisma);
  registerStemRoutes(api, db.prisma, blobs);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname.startsWith('/api/')) {
      if (!(await api.handle(req, res, pathname, logger))) sendError(res, new HttpError(404, 'not_found', `no API route ${pathname}`));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${pathname}`));
      return;
    }
    const sessionPage = /^\/s\/([^/]+)\/?$/.exec(pathname);
    if (sessionPage) {
      let exists = false;
      try {
        exists = await updateLog.sessionExists(parseSessionId(decodeURIComponent(sessionPage[1])));
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
      }
      // Next's export may emit either layout depending on `trailingSlash`; accept both.
      const page = exists ? await site.resolve('session.html', 'session/index.html') : await site.resolve('404.html');
      if (page) return site.send(req, res, page, exists ? 200 : 404);
      res.writeHead(exists ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(exists ? NOT_BUILT_PAGE : '<!doctype html><title>Not found</title><h1>Session not found</h1>');
      return;
    }
    if (await site.serve(req, res, pathname)) return;
    if (pathname === '/' && !(await site.exists())) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(NOT_BUILT_PAGE);
      return;
    }
    const notFoundPage = await site.resolve('404.html');
    if (notFoundPage) return site.send(req, res, notFoundPage, 404);
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
  };

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((err) => {
      logger.error(`${req.method} ${req.url} failed`, err);
      if (!res.headersSent) sendError(res, new HttpError(500, 'internal', 'internal server error'));
      else res.destroy();
    });
  });
  // socket.io installs its own upgrade listener for its path; ours must leave those alone.
  const io: IoServer = attachPresence(httpServer, { sessionExists: (id) => updateLog.sessionExists(id), logger });
  attachTogether(io, {
    logger,
    songDuration: async (sessionId) => {
      const longest = await db.prisma.stem.aggregate({ where: { sessionId }, _max: { durationSec: true } });
      return longest._max.durationSec ?? 0;
    },
  });
  // Every socket carries the identity its handshake authenticated; handlers read socket.data.actor.
  io.use((socket, next) => {
    access.identify(socket.request).then((actor) => {
      socket.data.actor = actor;
      next();
    }, next);
  });
  registerReviewRoutes(api, { prisma: db.prisma, blobs, access, broadcaster: socketIoBroadcaster(io), rooms, updateLog, logger });
  attachReviewSubscriptions(io, access, logger);
  httpServer.on('upgrade', (req, socket, head) => {
    if (yjs.handleUpgrade(req, socket, head)) return;
    if (req.url?.startsWith('/socket.io')) return;
    socket.destroy();
  });

  let closed: Promise<void> | null = null;
  return {
    db,
    rooms,
    blobs,
    async listen() {
      if (options.seed !== false) {
        try {
          await seedIfEmpty({ prisma: db.prisma, blobs, logger, engine: options.seed?.engine }, options.seed?.generator);
        } catch (err) {
          // Not fatal: the server is useful without the demo (sessions can be created via the API).
          logger.error('seeding the demo session failed', err);
        }
      }
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { port, url: `http://${host}:${port}` };
    },
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await yjs.close();
        await new Promise<void>((resolve) => io.close(() => resolve()));
        httpServer.closeAllConnections();
        await stopped.catch(() => {});
        await rooms.closeAll();
        await fanout.close();
        await db.close();
      })();
      return closed;
    },
  };
}
