// The song's length (its longest active stem) per session, which every new comment checks its
// time against. Kept in memory: StemService tells us when a session's stems change; the short
// expiry bounds staleness for changes made by another server process.
import type { PrismaClient } from '../generated/prisma/client.js';

export const SONG_LENGTH_CACHE_MS = 10_000;

export class SongLengths {
  private readonly known = new Map<string, { seconds: Promise<number>; until: number }>();

  constructor(private readonly prisma: PrismaClient, private readonly ttlMs = SONG_LENGTH_CACHE_MS) {}

  /** Seconds; 0 when the session has no stems yet. */
  get(sessionId: string): Promise<number> {
    const hit = this.known.get(sessionId);
    if (hit && hit.until > Date.now()) return hit.seconds;
    const seconds = this.prisma.stem
      .aggregate({ where: { sessionId, retiredAt: null }, _max: { durationSec: true } })
      .then((r) => r._max.durationSec ?? 0);
    if (this.known.size > 10_000) this.known.clear();
    const entry = { seconds, until: Date.now() + this.ttlMs };
    this.known.set(sessionId, entry);
    seconds.catch(() => {
      if (this.known.get(sessionId) === entry) this.known.delete(sessionId);
    });
    return seconds;
  }

  /** A stem was added, removed or swapped in this session. */
  forget(sessionId: string): void {
    this.known.delete(sessionId);
  }
}
