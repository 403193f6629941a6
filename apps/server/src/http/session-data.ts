// What a deleted session leaves outside the database: its blobs (unless another session still
// uses the same content — storage is content-addressed, so identical files are shared), the FLAC
// and MP3 encoded from them, and the partial files of its unfinished uploads.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../blob/blob-store.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../log.js';
import type { DeletedSessionData } from './sessions.js';

export interface SessionDataDeps {
  prisma: PrismaClient;
  blobs: BlobStore;
  uploadsDir: string;
  logger: Logger;
}

/** Whether any stem, version, voice note or reference track (of any session) still stores these bytes. */
export async function blobStillUsed(prisma: PrismaClient, sha256: string): Promise<boolean> {
  const [stems, versions, voices, references] = await Promise.all([
    prisma.stem.count({ where: { OR: [{ fileHash: sha256 }, { peaksHash: sha256 }] } }),
    prisma.version.count({ where: { fileHash: sha256 } }),
    prisma.comment.count({ where: { voiceHash: sha256 } }),
    prisma.referenceTrack.count({ where: { fileHash: sha256 } }),
  ]);
  return stems + versions + voices + references > 0;
}

/** Runs after the session's rows are gone; failures are logged, never surfaced (the session is deleted either way). */
export async function deleteSessionData(deps: SessionDataDeps, data: DeletedSessionData): Promise<void> {
  const { prisma, blobs, logger } = deps;
  for (const id of data.uploadIds) {
    // Upload ids are server-generated base64url; never let one name a path outside the directory.
    if (!/^[A-Za-z0-9_-]+$/.test(id)) continue;
    await rm(path.join(deps.uploadsDir, id), { force: true }).catch((err) => logger.warn(`removing upload ${id} of deleted session ${data.sessionId} failed`, err));
  }
  const stillUsed = (sha256: string) => blobStillUsed(prisma, sha256);
  let removed = 0;
  for (const sha256 of data.blobHashes) {
    try {
      if (await stillUsed(sha256)) continue;
      // The FLAC / MP3 made from a deleted master go with it: they are the same music.
      for (const d of await prisma.derivedBlob.findMany({ where: { sourceHash: sha256 }, select: { hash: true } })) {
        if (await stillUsed(d.hash)) continue;
        await blobs.delete(d.hash);
        removed++;
      }
      await prisma.derivedBlob.deleteMany({ where: { sourceHash: sha256 } });
      await blobs.delete(sha256);
      removed++;
    } catch (err) {
      logger.warn(`removing blob ${sha256} of deleted session ${data.sessionId} failed`, err);
    }
  }
  logger.info(`deleted session ${data.sessionId}: ${removed} blob(s) and ${data.uploadIds.length} partial upload(s) removed`);
}
