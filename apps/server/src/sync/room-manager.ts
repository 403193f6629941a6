import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { DocUpdateFanout } from './fanout.js';
import { Room, type RoomOptions, type SyncConnection } from './room.js';
import type { SpillDir } from './spill.js';
import type { UpdateLog } from './update-log.js';
import { WriteBatcher } from './write-batcher.js';

export class UnknownSessionError extends Error {
  constructor(readonly sessionId: string) {
    super(`unknown session ${sessionId}`);
  }
}

export interface RoomManagerOptions extends RoomOptions {
  /** How long a room without connections stays in memory before it is flushed, compacted and dropped. */
  unloadGraceMs: number;
  /**
   * Waits between the attempts to write a room's pending updates when it is unloaded (and at
   * shutdown); after the last one they go to the spill directory instead. Default ≈ 8 s in all.
   */
  unloadRetryDelaysMs?: number[];
}

export const defaultRoomOptions: RoomManagerOptions = { flushDelayMs: 50, compactThreshold: 200, unloadGraceMs: 30_000 };
const DEFAULT_UNLOAD_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/** What closeAll() could not write to the database. */
export interface UnpersistedReport {
  /** Spill files written (replayed at the next start). */
  spilled: string[];
  /** Sessions whose updates could be neither written nor spilled. */
  lost: string[];
}

/** Owns the in-memory rooms: loads on first join, unloads after the last leave. */
export class RoomManager {
  private readonly rooms = new Map<string, Promise<Room>>();
  /** Unloads in progress; a reload waits for them so it reads the fully flushed log. */
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>();
  /** Distinguishes this process's publications on the fan-out. */
  readonly instanceId = randomUUID();
  private readonly batcher: WriteBatcher;
  private readonly unpersisted: UnpersistedReport = { spilled: [], lost: [] };

  constructor(
    private readonly log: UpdateLog,
    private readonly fanout: DocUpdateFanout,
    private readonly logger: Logger,
    private readonly options: RoomManagerOptions = defaultRoomOptions,
    /** Where updates the database would not take at unload go; null: they are only logged. */
    private readonly spill: SpillDir | null = null,
  ) {
    this.batcher = new WriteBatcher(log, options.flushDelayMs, logger);
  }

  /** Adds the connection to the session's room, loading it if needed. Rejects with UnknownSessionError. */
  async join(sessionId: string, conn: SyncConnection): Promise<Room> {
    const room = await this.acquire(sessionId);
    const timer = this.unloadTimers.get(sessionId);
    if (timer) {
      clearTimeout(timer);
      this.unloadTimers.delete(sessionId);
    }
    room.addConnection(conn);
    return room;
  }

  leave(room: Room, conn: SyncConnection): void {
    room.removeConnection(conn);
    if (room.conns.size > 0 || room.destroyed) return;
    // Nobody is left to re-send these updates, so make them durable now rather than after the grace period.
    void room.flush().catch(() => {});
    if (this.unloadTimers.has(room.sessionId)) return;
    this.unloadTimers.set(room.sessionId, setTimeout(() => {
      this.unloadTimers.delete(room.sessionId);
      if (room.conns.size === 0) void this.unload(room);
    }, this.options.unloadGraceMs));
  }

  /**
   * A server-side change to a session's mix (a stem became a channel, …): applied to the live
   * room so every connected client sees it at once, and resolved only once it is persisted.
   */
  async edit<T>(sessionId: string, change: (doc: Room['doc']) => T): Promise<T> {
    const room = await this.acquire(sessionId);
    const result = room.doc.transact(() => change(room.doc));
    await room.flush();
    this.unloadLaterIfIdle(room);
    return result;
  }

  /**
   * The session was deleted: forget its room without writing anything (its rows are gone).
   * Connections must already be closing; a later join finds no session.
   */
  async discard(sessionId: string): Promise<void> {
    const timer = this.unloadTimers.get(sessionId);
    if (timer) clearTimeout(timer);
    this.unloadTimers.delete(sessionId);
    const loading = this.rooms.get(sessionId);
    this.rooms.delete(sessionId);
    const room = await loading?.catch(() => null);
    room?.discard();
  }

  /**
   * Reads the session's live document (loading it if nobody has it open; it then stays loaded
   * for the grace period, so a burst of reads — comments snapshotting the mix — loads it once).
   * `look` runs synchronously and must not keep the document.
   */
  async read<T>(sessionId: string, look: (doc: Room['doc']) => T): Promise<T> {
    const room = await this.acquire(sessionId);
    const result = look(room.doc);
    this.unloadLaterIfIdle(room);
    return result;
  }

  private unloadLaterIfIdle(room: Room): void {
    const { sessionId } = room;
    if (room.conns.size > 0 || this.unloadTimers.has(sessionId)) return;
    this.unloadTimers.set(sessionId, setTimeout(() => {
      this.unloadTimers.delete(sessionId);
      if (room.conns.size === 0) void this.unload(room);
    }, this.options.unloadGraceMs));
  }

  /** The loaded room, if any (for tests and diagnostics). */
  peek(sessionId: string): Promise<Room> | undefined {
    return this.rooms.get(sessionId);
  }

  private async acquire(sessionId: string): Promise<Room> {
    for (;;) {
      const existing = this.rooms.get(sessionId);
      if (existing) {
        const room = await existing;
        if (!room.destroyed) return room;
        continue;
      }
      const loading = this.load(sessionId);
      this.rooms.set(sessionId, loading);
      loading.catch(() => {
        if (this.rooms.get(sessionId) === loading) this.rooms.delete(sessionId);
      });
      return loading;
    }
  }

  private async load(sessionId: string): Promise<Room> {
    await this.unloading.get(sessionId);
    if (!(await this.log.sessionExists(sessionId))) throw new UnknownSessionError(sessionId);
    return Room.load(sessionId, this.log, this.fanout, this.batcher, this.instanceId, this.options, this.logger);
  }

  private unload(room: Room): Promise<void> {
    this.rooms.delete(room.sessionId);
    const done = this.flushAndRelease(room)
      .catch((err) => this.logger.error(`unloading session ${room.sessionId} failed`, err))
      .finally(() => {
        if (this.unloading.get(room.sessionId) === done) this.unloading.delete(room.sessionId);
      });
    this.unloading.set(room.sessionId, done);
    this.logger.debug(`unloading session ${room.sessionId}`);
    return done;
  }

  /**
   * Writes the room's pending updates, retrying with backoff while the database is away (a
   * restarting embedded database is back within a second or two); then compacts and releases it.
   * What the database still would not take is spilled to disk for the next start, never dropped.
   */
  private async flushAndRelease(room: Room): Promise<void> {
    const delays = this.options.unloadRetryDelaysMs ?? DEFAULT_UNLOAD_RETRY_DELAYS_MS;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await room.flush();
          break;
        } catch (err) {
          if (attempt >= delays.length) throw err;
          this.logger.warn(`session ${room.sessionId}: ${room.pendingCount} update(s) not written yet (${(err as Error).message}); attempt ${attempt + 2} of ${delays.length + 1} in ${delays[attempt]} ms`);
          await new Promise((r) => setTimeout(r, delays[attempt]));
        }
      }
      await room.compact();
    } catch (err) {
      const count = room.pendingCount;
      const update = room.takeBatch();
      if (!update) return;
      const why = `the database did not take ${count} update(s) of session ${room.sessionId} in ${delays.length + 1} attempts (${(err as Error).message})`;
      try {
        if (!this.spill) throw new Error('no spill directory', { cause: err });
        const file = await this.spill.write(room.sessionId, update);
        this.unpersisted.spilled.push(file);
        this.logger.error(`${why}; saved to ${file}, replayed at the next start`);
      } catch (spillErr) {
        this.unpersisted.lost.push(room.sessionId);
        this.logger.error(`${why}; could not save them to disk either: LOST`, spillErr);
      }
    } finally {
      room.release();
    }
  }

  /** Flushes, compacts and drops every room. Call after all connections are closed. */
  async closeAll(): Promise<UnpersistedReport> {
    for (const t of this.unloadTimers.values()) clearTimeout(t);
    this.unloadTimers.clear();
    const rooms = await Promise.allSettled([...this.rooms.values()]);
    await Promise.all(rooms.flatMap((r) => (r.status === 'fulfilled' && !r.value.destroyed ? [this.unload(r.value)] : [])));
    await Promise.all([...this.unloading.values()]);
    this.batcher.close();
    return this.unpersisted;
  }
}
