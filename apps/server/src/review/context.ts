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
import type { UpdateLog } from '../sync/update-log.js';
import type { ReviewBroadcaster } from './broadcast.js';

export interface ReviewDeps {
  prisma: PrismaClient;
  blobs: BlobStore;
  access: AccessControl;
  broadcaster: ReviewBroadcaster;
  rooms: RoomManager;
  updateLog: UpdateLog;
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
 * The session's mix as it is right now, encoded as one Yjs update: from the live document
 * when someone has the session open (it may hold updates not yet flushed), else from the log.
 */
export async function currentMixState(deps: Pick<ReviewDeps, 'rooms' | 'updateLog'>, sessionId: string): Promise<Uint8Array<ArrayBuffer>> {
  const live = deps.rooms.peek(sessionId);
  if (live) {
    const room = await live.catch(() => null);
    if (room && !room.destroyed) return new Uint8Array(Y.encodeStateAsUpdate(room.doc));
  }
  const updates = await deps.updateLog.load(sessionId);
  return new Uint8Array(updates.length ? Y.mergeUpdates(updates) : Y.encodeStateAsUpdate(new Y.Doc()));
}

/** Length of the song: its longest stem (0 when the session has no stems yet). */
export async function songDuration(prisma: PrismaClient, sessionId: string): Promise<number> {
  const longest = await prisma.stem.aggregate({ where: { sessionId }, _max: { durationSec: true } });
  return longest._max.durationSec ?? 0;
}

/** A Prisma unique-constraint violation (two writers raced for the same key). */
export const isUniqueViolation = (err: unknown) =>
  (err as { code?: string })?.code === 'P2002' || /unique constraint|duplicate key/i.test(String((err as Error)?.message));
