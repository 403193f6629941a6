import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server as IoServer } from 'socket.io';
import { Accounts, DEFAULT_SESSION_TTL_MS } from './auth/accounts.js';
import { loadAuthSecret, SignUpSeal, type Mailer } from './auth/signup-confirm.js';
import { assertSameOrigin } from './auth/csrf.js';
import { DbAccessControl } from './auth/db-access.js';
import { InProcessMembershipChanges, type MembershipChanges } from './auth/membership-changes.js';
import type { ScryptParams } from './auth/passwords.js';
import { InProcessSignInEvents, SignInWatch, type SignInEvents } from './auth/sign-in-watch.js';
import { DbRateLimitStore, DEFAULT_SIGN_IN_LIMITS, type RateLimitStore, type SignInLimits } from './auth/rate-limit.js';
import type { BlobStore } from './blob/blob-store.js';
import { openBlobStore } from './blob/open.js';
import { DEFAULT_REDIS_PREFIX, type Config } from './config.js';
import { openDatabase, type Database } from './db/open.js';
import { attachPresence } from './events/presence.js';
import { attachTogether } from './events/together.js';
import { attachTalk } from './events/talk.js';
import { InProcessTransportStore, type TransportStore } from './events/transport-store.js';
import { connectRedisCluster, type RedisCluster } from './cluster/index.js';
import { registerAuthRoutes } from './http/auth-routes.js';
import { registerMemberRoutes } from './http/members.js';
import { HttpError, sendError, toHttpError } from './http/respond.js';
import { Router, type RouteInfo } from './http/router.js';
import { registerSessionRoutes } from './http/sessions.js';
import { deleteSessionData } from './http/session-data.js';
import { DevWebProxy, NEXT_DEV_PATH } from './http/dev-web.js';
import { NOT_BUILT_PAGE, StaticSite, type WebPages } from './http/static.js';
import { registerStemEditRoutes } from './http/stem-edits.js';
import { registerStemRoutes } from './http/stems.js';
import { registerUploadRoutes } from './http/uploads.js';
import { StemService } from './stems/stem-service.js';
import { UploadDigests } from './stems/upload-digests.js';
import { createLogger, type Logger } from './log.js';
import { attachReviewSubscriptions, registerReviewRoutes, socketIoBroadcaster } from './review/index.js';
import { SongLengths } from './review/song-length.js';
import { seedIfEmpty, type DemoGenerator, type SeedEngine } from './seed.js';
import { InProcessFanout, type DocUpdateFanout } from './sync/fanout.js';
import { defaultRoomOptions, RoomManager, type RoomManagerOptions } from './sync/room-manager.js';
import { SpillDir } from './sync/spill.js';
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
  /** Share one between servers to simulate several processes; defaults to a private one. */
  membershipChanges?: MembershipChanges;
  /** Share one between servers to simulate several processes; defaults to a private one. */
  signInEvents?: SignInEvents;
  /** Share one between servers to simulate several processes; defaults to a private one. */
  transportStore?: TransportStore;
  auth?: { signInSweepMs?: number; sessionTtlMs?: number; limits?: Partial<SignInLimits>; scrypt?: ScryptParams; rateLimits?: RateLimitStore; mailer?: Mailer };
}

export interface MixroomServer {
  listen(): Promise<{ port: number; url: string }>;
  /** Stop accepting, close sockets (1001), flush and compact every session, close the database. */
  close(): Promise<void>;
  readonly db: Database;
  readonly rooms: RoomManager;
  readonly blobs: BlobStore;
  /** Where blobs live, for the start-up log: a directory or `s3://bucket/prefix at endpoint`. */
  readonly blobsDescription: string;
  readonly access: DbAccessControl;
  readonly signIns: SignInWatch;
  /** Publish here after changing a membership behind the API's back (tests), like the member routes do. */
  readonly membershipChanges: MembershipChanges;
  /** Every REST route (method + pattern); the role-matrix test checks each has an entry. */
  readonly routes: readonly RouteInfo[];
  /** With REDIS_URL: this process's connections are named `<this>:pub`, `:sub`, `:io-pub`, `:io-sub`. */
  readonly redisClientName: string | null;
}

export async function createMixroomServer(config: Config, options: MixroomServerOptions = {}): Promise<MixroomServer> {
  const logger = options.logger ?? createLogger();
  // Checked before anything else opens: an unreachable bucket refuses to start, with its name.
  const { blobs, description: blobsDescription } = options.blobs ? { blobs: options.blobs, description: 'custom store' } : await openBlobStore(config);
  const db = await openDatabase(config);
  if (db.migrations.applied.length) logger.info(`applied migrations: ${db.migrations.applied.join(', ')}`);
  let cluster: RedisCluster | null = null;
  const redisClientName = config.redisUrl ? `mixroom-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}` : null;
  if (config.redisUrl && redisClientName) {
    try {
      cluster = await connectRedisCluster({ url: config.redisUrl, prefix: config.redisPrefix ?? DEFAULT_REDIS_PREFIX, logger, name: redisClientName });
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  const fanout = options.fanout ?? cluster?.fanout ?? new InProcessFanout();
  const updateLog = new UpdateLog(db.prisma, db.sql);
  // Before anyone can load a session: what the last shutdown could not write goes in first.
  const spill = new SpillDir(path.join(config.dataDir, 'spill'));
  try {
    await spill.replay(updateLog, logger);
  } catch (err) {
    await cluster?.close();
    await db.close();
    throw err;
  }
  const rooms = new RoomManager(updateLog, fanout, logger, {
    ...defaultRoomOptions,
    flushDelayMs: config.syncFlushMs ?? defaultRoomOptions.flushDelayMs,
    compactThreshold: config.syncCompactRows ?? defaultRoomOptions.compactThreshold,
    unloadGraceMs: config.syncUnloadGraceMs ?? defaultRoomOptions.unloadGraceMs,
    ...options.sync,
  }, spill);
  const changes = options.membershipChanges ?? cluster?.membershipChanges ?? new InProcessMembershipChanges();
  const signInEvents = options.signInEvents ?? cluster?.signInEvents ?? new InProcessSignInEvents();
  const transportStore = options.transportStore ?? cluster?.transportStore ?? new InProcessTransportStore();
  const accounts = new Accounts(db.prisma, options.auth?.rateLimits ?? new DbRateLimitStore(db.prisma), {
    sessionTtlMs: options.auth?.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    limits: { ...DEFAULT_SIGN_IN_LIMITS, signUpsPerIp: config.signUpsPerIpPerHour ?? DEFAULT_SIGN_IN_LIMITS.signUpsPerIp, ...options.auth?.limits },
    scrypt: options.auth?.scrypt,
    confirm: config.signUpConfirm === 'email'
      ? {
          seal: new SignUpSeal(loadAuthSecret(config.dataDir, config.authSecret)),
          // This project sends no mail: the log is the outbox (it holds a sign-up link: treat it like mail).
          mailer: options.auth?.mailer ?? ((to, subject, text) => logger.info(`mail to ${to}: ${subject}. ${text}`)),
          link: (token) => `${config.publicUrl ?? `http://localhost:${config.port}`}/api/auth/confirm?token=${encodeURIComponent(token)}`,
        }
      : undefined,
  }, signInEvents);
  const access = new DbAccessControl(db.prisma, accounts, changes);
  const signIns = new SignInWatch(db.prisma, signInEvents, logger, { sweepMs: options.auth?.signInSweepMs ?? 30_000 });
  const trustProxy = config.trustProxy ?? false;
  const yjs = new YjsWebsocketServer(rooms, logger, access, changes, signIns, { trustProxy, ...options.sync });
  const site: WebPages = config.devWebUrl ? new DevWebProxy(config.devWebUrl, logger) : new StaticSite(path.resolve(config.webDist));

  const api = new Router();
  registerAuthRoutes(api, { prisma: db.prisma, accounts, access, trustProxy, signIns });
  const uploadsDir = path.join(config.dataDir, 'uploads');
  // A deleted session's mix must not be written back by this (or any other) process.
  changes.subscribe((c) => {
    if (!c.sessionDeleted) return;
    void rooms.discard(c.sessionId);
    void transportStore.forget(c.sessionId).catch((err) => logger.error(`forgetting the transport of deleted session ${c.sessionId} failed`, err));
  });
  registerSessionRoutes(api, {
    prisma: db.prisma, access, changes,
    deleteSessionData: (data) => deleteSessionData({ prisma: db.prisma, blobs, uploadsDir, logger }, data),
  });
  registerMemberRoutes(api, { prisma: db.prisma, access, changes });
  registerStemRoutes(api, db.prisma, blobs, access);
  const songLengths = new SongLengths(db.prisma);
  const stems = new StemService({ prisma: db.prisma, blobs, rooms, logger, stemsChanged: (sessionId) => songLengths.forget(sessionId) });
  const digests = new UploadDigests(logger);
  const uploads = registerUploadRoutes(api, {
    prisma: db.prisma, access, stems, logger, digests,
    dir: uploadsDir,
    maxBytes: config.uploadMaxBytes,
    expiryMs: config.uploadExpiryMs,
  });
  registerStemEditRoutes(api, { access, stems });
  const sweepUploads = () => void uploads.sweepExpired().catch((err) => logger.error('sweeping expired uploads failed', err));
  const sweepTimer = setInterval(sweepUploads, 3_600_000).unref();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname.startsWith('/api/')) {
      try {
        assertSameOrigin(req, trustProxy);
      } catch (err) {
        return sendError(res, err as HttpError);
      }
      if (!(await api.handle(req, res, pathname, logger))) sendError(res, new HttpError(404, 'not_found', `no API route ${pathname}`));
      return;
    }
    // npm run dev: Next's own dev endpoints (assets, the error overlay) take any method.
    if (site instanceof DevWebProxy && NEXT_DEV_PATH.test(pathname)) {
      await site.serve(req, res, pathname);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${pathname}`));
      return;
    }
    // Session and invite pages are one static page each; the page reads the id from the URL and
    // asks the API, which answers 401/404 (so the page can send the user to sign in or say "not found").
    const sessionPage = /^\/s\/([^/]+)\/?$/.exec(pathname);
    if (sessionPage) {
      // Anonymous visitors get the page (it sends them to sign in); signed-in non-members and
      // unknown ids get the same 404, so the page does not reveal which sessions exist.
      const actor = await access.identify(req);
      let id = sessionPage[1];
      try {
        id = decodeURIComponent(id);
      } catch {
        // not a valid id either way
      }
      if (!actor || (await access.roleIn(actor.userId, id).catch(() => null))) return sendPage(req, res, 'session');
      if (await site.sendPage(req, res, '404', 404)) return;
      res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Not found</title><h1>Session not found</h1>');
      return;
    }
    if (/^\/i\/[^/]+\/?$/.test(pathname)) return sendPage(req, res, 'invite');
    if (await site.serve(req, res, pathname)) return;
    if (pathname === '/' && !(await site.exists())) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(NOT_BUILT_PAGE);
      return;
    }
    if (await site.sendPage(req, res, '404', 404)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
  };

  const sendPage = async (req: IncomingMessage, res: ServerResponse, name: string) => {
    if (await site.sendPage(req, res, name, 200)) return;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(NOT_BUILT_PAGE);
  };

  // A version upload carries the exact mix it was rendered from in a header (base64 Yjs state);
  // a long-lived session's state outgrows Node's 16 KiB default (HTTP 431), so allow 512 KiB.
  const httpServer = createServer({ maxHeaderSize: 512 * 1024 }, (req, res) => {
    handle(req, res).catch((err) => {
      logger.error(`${req.method} ${req.url} failed`, err);
      if (!res.headersSent) sendError(res, toHttpError(err));
      else res.destroy();
    });
  });
  // socket.io installs its own upgrade listener for its path; ours must leave those alone.
  const io: IoServer = attachPresence(httpServer, { access, changes, signIns, logger, trustProxy, adapter: cluster?.socketIoAdapter });
  attachTogether(io, {
    store: transportStore,
    logger,
    songDuration: (sessionId) => songLengths.get(sessionId),
  });
  registerReviewRoutes(api, { prisma: db.prisma, blobs, access, broadcaster: socketIoBroadcaster(io), rooms, songLengths, logger });
  attachReviewSubscriptions(io, access, changes, logger);
  attachTalk(io, { logger, iceServers: config.iceServers });
  httpServer.on('upgrade', (req, socket, head) => {
    if (yjs.handleUpgrade(req, socket, head)) return;
    if (req.url?.startsWith('/socket.io')) return;
    // npm run dev: the Next dev server's hot-reload socket.
    if (site instanceof DevWebProxy && site.handleUpgrade(req, socket, head)) return;
    socket.destroy();
  });

  let closed: Promise<void> | null = null;
  return {
    db,
    rooms,
    blobs,
    blobsDescription,
    access,
    signIns,
    membershipChanges: changes,
    routes: api.list(),
    redisClientName,
    async listen() {
      if (options.seed !== false) {
        try {
          await seedIfEmpty({ prisma: db.prisma, blobs, logger, engine: options.seed?.engine }, options.seed?.generator);
        } catch (err) {
          // Not fatal: the server is useful without the demo (sessions can be created via the API).
          logger.error('seeding the demo session failed', err);
        }
      }
      digests.warm();
      // The first query of a process loads Prisma's query compiler, and the first touch of each table
      // loads its catalog entries (slow on PGlite): pay both here rather than in the first user's
      // request (a cold session page). LIMIT 1 reads no more than a page of each.
      await db.prisma.$queryRaw`SELECT
        (SELECT 1 FROM "auth_session" LIMIT 1), (SELECT 1 FROM "app_user" LIMIT 1), (SELECT 1 FROM "membership" LIMIT 1), (SELECT 1 FROM "mix_session" LIMIT 1),
        (SELECT 1 FROM "stem" LIMIT 1), (SELECT 1 FROM "comment" LIMIT 1), (SELECT 1 FROM "version" LIMIT 1),
        (SELECT 1 FROM "approval" LIMIT 1), (SELECT 1 FROM "activity_event" LIMIT 1), (SELECT 1 FROM "read_marker" LIMIT 1)`;
      // Raw SQL does not load the query compiler; the first model query does (these two are also
      // the shapes every request asks first: who is this, and what is their role).
      await db.prisma.authSession.findUnique({ where: { tokenHash: '' }, include: { user: true } });
      await db.prisma.membership.findUnique({ where: { sessionId_userId: { sessionId: '', userId: '' } }, select: { role: true } });
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      sweepUploads();
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { port, url: `http://${host}:${port}` };
    },
    close() {
      closed ??= (async () => {
        clearInterval(sweepTimer);
        signIns.close();
        await digests.close();
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await yjs.close();
        await new Promise<void>((resolve) => io.close(() => resolve()));
        httpServer.closeAllConnections();
        await stopped.catch(() => {});
        const unpersisted = await rooms.closeAll();
        await fanout.close();
        await cluster?.close();
        await db.close();
        if (unpersisted.spilled.length > 0 || unpersisted.lost.length > 0) {
          throw new Error(unpersisted.lost.length > 0
            ? `mix updates of ${unpersisted.lost.length} session(s) were LOST: neither the database nor the disk took them (see the log)`
            : `the database did not take every mix update; ${unpersisted.spilled.length} file(s) in ${spill.dir} are replayed at the next start`);
        }
      })();
      return closed;
    },
  };
}
