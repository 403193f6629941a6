import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SIGN_IN_LIMITS } from './auth/rate-limit.js';
import type { S3Settings } from './blob/s3-blob-store.js';
import type { DbWaitOptions } from './db/busy.js';
import { IceServers } from '@mixroom/protocol';

export interface Config {
  port: number;
  host: string;
  /** Absolute. Holds `pglite/` (when no DATABASE_URL) and `blobs/`. */
  dataDir: string;
  /** PostgreSQL URL; `?schema=` selects a schema. Undefined → embedded PGlite. */
  databaseUrl: string | undefined;
  /** Absolute path of the Next.js static export. */
  webDist: string;
  /**
   * `npm run dev` only (MIXROOM_DEV_WEB_URL): pages come from this Next dev server instead of
   * webDist, proxied through this origin so they stay same-origin and cross-origin isolated.
   */
  devWebUrl?: string;
  /** Absolute path of prisma/migrations. */
  migrationsDir: string;
  /** Coalescing window for writing Yjs updates to the DB (ms). See docs/server.md for the trade-off. */
  syncFlushMs: number;
  /** Compact a session's update log once it has more rows than this. */
  syncCompactRows: number;
  /** Keep an idle session's doc in memory this long after its last client left (ms). */
  syncUnloadGraceMs: number;
  /** Bounds on waiting for the database (DB_WAIT_MS per attempt, DB_ATTEMPTS); past them requests answer 503. */
  databaseWait?: Partial<DbWaitOptions>;
  /** Behind a TLS-terminating proxy: trust X-Forwarded-Proto/-Host/-For (Secure cookies, origin checks, rate-limit IP). */
  trustProxy?: boolean;
  /** Sign-ups accepted per client IP per hour (SIGNUP_LIMIT_PER_HOUR, default 10). */
  signUpsPerIpPerHour?: number;
  /**
   * SIGNUP_CONFIRM=email: a sign-up answers 202 "check your email" for every address and the
   * account is created from a mailed link (written to the server log: this project sends no mail);
   * unset: a sign-up signs in at once (the demo), and an address that has an account answers 409.
   */
  signUpConfirm?: 'email';
  /** The address people open (PUBLIC_URL), for links in mails; default http://localhost:<port>. */
  publicUrl?: string;
  /** Key for signing those links (AUTH_SECRET); default one generated into <dataDir>/auth-secret. */
  authSecret?: string;
  /** Largest stem upload accepted, bytes (UPLOAD_MAX_BYTES). Capped at 2^31-1: sizes are 32-bit columns. */
  uploadMaxBytes: number;
  /** Unfinished uploads are deleted this long after creation (UPLOAD_EXPIRY_HOURS). */
  uploadExpiryMs: number;
  /** Redis shared by several server processes (REDIS_URL); undefined → one process, no Redis. */
  redisUrl?: string;
  /** Prefix of every Redis channel and key (REDIS_PREFIX, default `mixroom:`). */
  redisPrefix?: string;
  /** Blobs in an S3-compatible bucket (S3_BUCKET and the S3_* settings); undefined → `<dataDir>/blobs`. */
  s3?: S3Settings;
  /** STUN/TURN servers handed to browsers for talkback (ICE_SERVERS, JSON RTCIceServer[]); default none. */
  iceServers?: IceServers;
}

export const MAX_UPLOAD_CEILING = 2 ** 31 - 1;
export const DEFAULT_REDIS_PREFIX = 'mixroom:';

/** Defaults point into the repo regardless of which workspace the process was started from. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // Paths given explicitly are relative to where the user typed the command; defaults to the repo.
  const fromEnv = (value: string | undefined, fallback: string) =>
    value ? path.resolve(cwd, value) : path.resolve(REPO_ROOT, fallback);
  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer 0-65535, got "${env.PORT}"`);
  return {
    port,
    host: env.HOST || '0.0.0.0',
    dataDir: fromEnv(env.DATA_DIR, 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    webDist: fromEnv(env.WEB_DIST, 'apps/web/out'),
    devWebUrl: devWebUrl(env.MIXROOM_DEV_WEB_URL),
    migrationsDir: fromEnv(env.MIGRATIONS_DIR, 'prisma/migrations'),
    syncFlushMs: int(env, 'SYNC_FLUSH_MS', 50),
    syncCompactRows: int(env, 'SYNC_COMPACT_ROWS', 200),
    syncUnloadGraceMs: int(env, 'SYNC_UNLOAD_GRACE_MS', 30_000),
    databaseWait: { waitMs: int(env, 'DB_WAIT_MS', 5_000), attempts: int(env, 'DB_ATTEMPTS', 3) },
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    signUpsPerIpPerHour: int(env, 'SIGNUP_LIMIT_PER_HOUR', DEFAULT_SIGN_IN_LIMITS.signUpsPerIp),
    signUpConfirm: signUpConfirm(env.SIGNUP_CONFIRM),
    publicUrl: env.PUBLIC_URL || undefined,
    authSecret: env.AUTH_SECRET || undefined,
    uploadMaxBytes: Math.min(int(env, 'UPLOAD_MAX_BYTES', 2_000_000_000), MAX_UPLOAD_CEILING),
    uploadExpiryMs: int(env, 'UPLOAD_EXPIRY_HOURS', 24) * 3_600_000,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX || DEFAULT_REDIS_PREFIX,
    s3: s3Settings(env),
    iceServers: iceServers(env.ICE_SERVERS),
  };
}

function devWebUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^http:\/\/[^/]+\/?$/.test(value)) throw new Error(`MIXROOM_DEV_WEB_URL must be an http://host:port origin, got "${value}"`);
  return value.replace(/\/$/, '');
}

function iceServers(value: string | undefined): IceServers {
  if (!value) return [];
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new Error(`ICE_SERVERS must be JSON, e.g. [{"urls":"stun:stun.example.org:3478"}], got "${value}"`);
  }
  const parsed = IceServers.safeParse(json);
  if (!parsed.success) throw new Error(`ICE_SERVERS is not a list of ICE servers: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function signUpConfirm(value: string | undefined): 'email' | undefined {
  if (!value || value === 'off') return undefined;
  if (value === 'email') return 'email';
  throw new Error(`SIGNUP_CONFIRM must be "email" or unset, got "${value}"`);
}

function s3Settings(env: NodeJS.ProcessEnv): S3Settings | undefined {
  if (!env.S3_BUCKET) {
    const stray = ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_PREFIX'].filter((k) => env[k]);
    if (stray.length) throw new Error(`${stray.join(', ')} set without S3_BUCKET: set S3_BUCKET to keep blobs in S3`);
    return undefined;
  }
  const endpoint = env.S3_ENDPOINT || undefined;
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) throw new Error(`S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) throw new Error('set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (AWS default credentials)');
  const prefix = env.S3_PREFIX ?? 'blobs/';
  return {
    bucket: env.S3_BUCKET,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    region: env.S3_REGION || env.AWS_REGION || 'us-east-1',
    endpoint,
    // Most S3-compatible services want path-style URLs; AWS itself prefers virtual-hosted ones.
    forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === '1' || env.S3_FORCE_PATH_STYLE === 'true' : Boolean(endpoint),
    credentials: env.S3_ACCESS_KEY_ID ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY! } : undefined,
  };
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}
