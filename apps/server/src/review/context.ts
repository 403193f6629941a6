// What the review routes share: their dependencies and small helpers for validation and
// the mix document's current state.
import type { z } from 'zod';
import * as Y from 'yjs';
import type { AccessControl } from '../auth/access.js';
import type { BlobStore } from '../blob/blob-store.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { badRequest } from '../http/respond.js';
import type { Logger } from '../log.js';
import type { RoomManager } from '../sync/room-manager.js';
import type { ReviewBroadcaster } from './broadcast.js';
import type { SongLengths } from './song-length.js';

export interface ReviewDeps {
  prisma: PrismaClient;
  blobs: BlobStore;
  access: AccessControl;
  broadcaster: ReviewBroadcaster;
  rooms: RoomManager;
  songLengths: SongLengths;
  logger: Logger;
}

export function parseWith<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw badRequest(r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; '));
  }
  return r.data;
}

/**
 * The session's mix as it is right now, encoded as one Yjs update, from its live document
 * (loaded once and kept for the grace period when nobody has the session open; it may hold
 * updates not yet flushed to the log). `look` may inspect the document meanwhile.
 */
export function currentMixState<T = undefined>(
  deps: Pick<ReviewDeps, 'rooms'>,
  sessionId: string,
  look?: (doc: Y.Doc) => T,
): Promise<{ state: Uint8Array<ArrayBuffer>; seen: T }> {
  return deps.rooms.read(sessionId, (doc) => ({ state: new Uint8Array(Y.encodeStateAsUpdate(doc)), seen: look?.(doc) as T }));
}

/** A Prisma unique-constraint violation (two writers raced for the same key). */
export const isUniqueViolation = (err: unknown) =>
  (err as { code?: string })?.code === 'P2002' || /unique constraint|duplicate key/i.test(String((err as Error)?.message));
