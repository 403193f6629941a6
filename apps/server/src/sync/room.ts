import { mixWriteProblem } from '@mixroom/engine';
import { WS_CLOSE, YJS_LIMITS } from '@mixroom/protocol';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Logger } from '../log.js';
import type { DocUpdateFanout } from './fanout.js';
import { encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeUpdate, MalformedMessageError, RefusedUpdateError, type ClientMessage } from './messages.js';
import { ClientOwners, TABLE_WRITER } from './client-owners.js';
import { integrateDecoded, planIntegration } from './integrate-decoded.js';
import { CHANNELS_ROOT, CLIENT_OWNERS_ROOT, inspectUpdate, type DecodedUpdate, type ShapeCheck } from './update-guard.js';
import type { UpdateLog } from './update-log.js';
import { WindowChanges } from './window-changes.js';
import type { BatchSource, WriteBatcher } from './write-batcher.js';

/** What a room needs from a client connection; keeps the room independent of `ws`. */
export interface SyncConnection {
  send(data: Uint8Array): void;
  /**
   * Read-only connections (viewers) receive the document and awareness, but their document
   * updates are dropped: they never reach the doc, the database or other clients. Mutable so a
   * role change applies to an open connection.
   */
  readOnly?: boolean;
  /** The account behind the connection: Yjs client ids it introduces are bound to it. */
  userId?: string;
  /** May add, rename and remove channels (`stems.manage`); mutable like readOnly. */
  mayManageStems?: boolean;
}

export interface RoomOptions {
  /** Updates arriving within this window are written as one row per session (see WriteBatcher). */
  flushDelayMs: number;
  /** Compact the log once a session has more rows than this. */
  compactThreshold: number;
  /** A client update above this is refused before it is decoded (default YJS_LIMITS.maxUpdateBytes). */
  maxUpdateBytes?: number;
  /** A client update that would grow the document past this is refused (default YJS_LIMITS.maxDocBytes). */
  maxDocBytes?: number;
  /** Bindings of client ids that have not written for this long are pruned (default 30 days). */
  clientOwnerIdleMs?: number;
  /**
   * What every new piece of a client update must fit (default: the mix model's shape,
   * mixWriteProblem). null accepts any Yjs types: only tests of the bare Yjs transport use it.
   */
  shapeCheck?: ShapeCheck | null;
  /** Clock for those bindings (tests). */
  now?: () => number;
}

const LOAD_ORIGIN = Symbol('load');
const FANOUT_ORIGIN = Symbol('fanout');
const BIND_ORIGIN = Symbol('bind');
/** Roots only the server writes. */
const SERVER_ROOTS = new Set([CLIENT_OWNERS_ROOT]);

/** Whether a transaction (not cleaned up yet) changed the doc: what Yjs asks before emitting 'update'. */
function changedIn(tr: Y.Transaction): boolean {
  if (tr.deleteSet.clients.size > 0) return true;
  const store = tr.doc.store;
  if (store.clients.size !== tr.beforeState.size) return true;
  for (const [client, clock] of tr.beforeState) if (Y.getState(store, client) !== clock) return true;
  return false;
}

/** The clients an update writes structs under. */
function writersOf(decoded: DecodedUpdate): number[] {
  const writers: number[] = [];
  for (const s of decoded.structs) if (writers[writers.length - 1] !== s.id.client && !writers.includes(s.id.client)) writers.push(s.id.client);
  return writers;
}

const kib = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`);

/**
 * One active session: the in-memory Y.Doc (a cache of the DB log), its awareness, and the
 * connected clients. Accepted updates are broadcast immediately and persisted in small
 * batches; a batch is only dropped from memory once its row is committed.
 */
export class Room implements BatchSource {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  /** Connection → awareness client ids it controls (removed when it disconnects). */
  readonly conns = new Map<SyncConnection, Set<number>>();
  private readonly owners: ClientOwners;
  /** This window's own changes, written as one update by takeBatch. */
  private readonly window = new WindowChanges();
  /** Batches whose write failed, in order: they go first into the next one. */
  private restored: Uint8Array[] = [];
  /** The last write of this room's updates failed; cleared when a later one commits. */
  private writeFailed = false;
  /** Serializes compactions of this session. */
  private chain: Promise<void> = Promise.resolve();
  private rowCount = 0;
  private unsubscribeFanout: () => void = () => {};
  destroyed = false;
  /** Updates refused from read-only connections (observability; see SyncConnection.readOnly). */
  rejectedUpdates = 0;
  /**
   * Upper bound of the encoded document size: exact at load, then grown by every update's length.
   * Re-measured only when it crosses the limit, so the per-update cost stays O(update).
   */
  private docBytesBound = 0;
  /** Doc updates seen (any origin): tells whether a failed applyUpdate integrated part of its update. */
  private docUpdates = 0;
  /** The transaction being cleaned up is relayed as the bytes it applied (see integrate); Yjs need not encode it. */
  private ownBytes: { tr: Y.Transaction; update: Uint8Array; frame: Uint8Array | undefined; writers: number[] } | null = null;
  /** onDocUpdate is subscribed (so Yjs encodes every transaction's update). */
  private encoding = true;

  private constructor(
    readonly sessionId: string,
    private readonly log: UpdateLog,
    private readonly fanout: DocUpdateFanout,
    private readonly batcher: WriteBatcher,
    private readonly instanceId: string,
    private readonly options: RoomOptions,
    private readonly logger: Logger,
  ) {
    this.owners = new ClientOwners(this.doc, options);
    // The server is not a participant: it has no cursor or presence of its own.
    this.awareness.setLocalState(null);
    this.doc.on('update', this.onDocUpdate);
    this.doc.on('afterTransactionCleanup', this.onCleanup);
    this.awareness.on('update', this.onAwarenessUpdate);
  }

  static async load(sessionId: string, log: UpdateLog, fanout: DocUpdateFanout, batcher: WriteBatcher, instanceId: string, options: RoomOptions, logger: Logger): Promise<Room> {
    const room = new Room(sessionId, log, fanout, batcher, instanceId, options, logger);
    // Subscribe before reading so nothing published between the read and the subscription is missed
    // (applying an update twice is a no-op in Yjs).
    try {
      room.unsubscribeFanout = await fanout.subscribe(sessionId, instanceId, {
        applyRemote: (u) => {
          if (!room.destroyed) Y.applyUpdate(room.doc, u, FANOUT_ORIGIN);
        },
        applyRemoteAwareness: (u) => {
          if (!room.destroyed) awarenessProtocol.applyAwarenessUpdate(room.awareness, u, FANOUT_ORIGIN);
        },
        localAwareness: () => room.localAwareness(),
        stateVector: () => Y.encodeStateVector(room.doc),
        updateSince: (sv) => Y.encodeStateAsUpdate(room.doc, sv),
      });
      const updates = await log.load(sessionId);
      room.rowCount = updates.length;
      // One transaction, update by update: Y.mergeUpdates of a long log is far slower than applying it.
      if (updates.length > 0) room.doc.transact(() => updates.forEach((u) => Y.applyUpdate(room.doc, u, LOAD_ORIGIN)), LOAD_ORIGIN);
      room.docBytesBound = Y.encodeStateAsUpdate(room.doc).length;
      // Another process may hold an update it published before we subscribed and has not persisted yet.
      fanout.catchUp(sessionId, instanceId);
    } catch (err) {
      room.destroy();
      throw err;
    }
    logger.debug(`loaded session ${sessionId} from ${room.rowCount} rows`);
    return room;
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => this.onUpdate(update, origin, undefined, tr, null);

  /**
   * Yjs checks for 'update' listeners right after this event, once per transaction, and encodes the
   * transaction's update only if there are any: unsubscribing here for a transaction relayed as
   * received (and subscribing again for any other) skips that encoding exactly where it is not needed.
   */
  private readonly onCleanup = (tr: Y.Transaction) => {
    const own = this.ownBytes;
    if (own && own.tr === tr) {
      this.ownBytes = null;
      if (this.encoding) this.doc.off('update', this.onDocUpdate);
      this.encoding = false;
      this.onUpdate(own.update, tr.origin, own.frame, tr, own.writers);
    } else if (!this.encoding) {
      this.doc.on('update', this.onDocUpdate);
      this.encoding = true;
    }
  };

  /**
   * An update the doc took, as Yjs encoded it or as it was received (`frame`: the message carrying
   * it, if it can be relayed as is) in transaction `tr`; `writers`: the clients it wrote structs
   * under, when known (else every client whose clock moved in `tr`).
   */
  private onUpdate(update: Uint8Array, origin: unknown, frame: Uint8Array | undefined, tr: Y.Transaction, writers: number[] | null): void {
    this.docUpdates++;
    this.docBytesBound += update.length;
    if (origin === LOAD_ORIGIN) return;
    const message = frame ?? encodeUpdate(update);
    for (const conn of this.conns.keys()) if (conn !== origin) conn.send(message);
    // Updates from other processes were persisted and published by the process that accepted them.
    if (origin === FANOUT_ORIGIN) return;
    this.fanout.publish(this.sessionId, update, this.instanceId);
    if (writers) for (const client of writers) this.window.addStructs(client, tr.beforeState.get(client) ?? 0, Y.getState(tr.doc.store, client));
    else for (const [client, clock] of tr.afterState) this.window.addStructs(client, tr.beforeState.get(client) ?? 0, clock);
    this.window.addDeletes(tr.deleteSet);
    this.window.count++;
    this.batcher.markDirty(this);
  }

  /**
   * Applies a client's update in one transaction of `origin` (its connection). `decoded`: the
   * guard's decoding, integrated directly when planIntegration allows (see there).
   *
   * `frame`: the update message as received (a y-websocket update message). When Yjs integrated all
   * of the update and nothing was or is parked, the doc changed by exactly what it says, so that
   * message is what peers receive and the update what is published and persisted: no re-encoding
   * of the transaction, no new message (the message may repeat deletes the doc already had, which
   * change nothing anywhere). Otherwise — part of it parked for a missing dependency, or parked
   * updates released by it — peers get Yjs' encoding of what was integrated, as before: a parked
   * part must not reach them ahead of the server, and released parts are in no message they got.
   * A sync step 2 is not relayed as received either: it carries the sender's whole delete set.
   */
  private integrate(update: Uint8Array, origin: unknown, frame: Uint8Array | undefined, decoded: DecodedUpdate): void {
    const store = this.doc.store;
    const plan = planIntegration(this.doc, update, decoded);
    // (Inside someone else's transaction the update would be only part of what it changed.)
    const settledBefore = frame !== undefined && store.pendingStructs === null && store.pendingDs === null && this.doc._transaction === null;
    this.doc.transact((tr) => {
      if (plan) {
        tr.local = false;
        integrateDecoded(tr, plan, decoded);
      } else {
        Y.applyUpdate(this.doc, update, origin);
      }
      if (settledBefore && store.pendingStructs === null && store.pendingDs === null && changedIn(tr)) this.ownBytes = { tr, update, frame, writers: writersOf(decoded) };
    }, origin);
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    const owned = this.conns.get(origin as SyncConnection);
    if (owned) {
      for (const id of added) owned.add(id);
      for (const id of removed) owned.delete(id);
    }
    const changed = [...added, ...updated, ...removed];
    const message = encodeAwareness(this.awareness, changed);
    for (const conn of this.conns.keys()) if (conn !== origin) conn.send(message);
    // Our clients' changes (and their removal when they leave, origin null) go to the other
    // processes; states that arrived from them, or timed out here, are theirs to announce.
    if (origin !== FANOUT_ORIGIN && origin !== 'timeout' && !this.destroyed) {
      this.fanout.publishAwareness(this.sessionId, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed), this.instanceId);
    }
  };

  /** The awareness states of the clients connected to this process (for a process that just joined). */
  localAwareness(): Uint8Array | null {
    const ids = [...this.conns.values()].flatMap((owned) => [...owned]).filter((id) => this.awareness.getStates().has(id));
    return ids.length > 0 ? awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids) : null;
  }

  addConnection(conn: SyncConnection): void {
    this.conns.set(conn, new Set());
    conn.send(encodeSyncStep1(this.doc));
    const states = [...this.awareness.getStates().keys()];
    if (states.length > 0) conn.send(encodeAwareness(this.awareness, states));
  }

  removeConnection(conn: SyncConnection): void {
    const owned = this.conns.get(conn);
    this.conns.delete(conn);
    if (owned && owned.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...owned], null);
  }

  /** Applies a parsed client message; throws MalformedMessageError for content Yjs rejects. */
  handle(conn: SyncConnection, msg: ClientMessage): void {
    switch (msg.type) {
      case 'syncStep1': {
        let reply: Uint8Array;
        try {
          reply = encodeSyncStep2(this.doc, msg.stateVector);
        } catch (err) {
          throw new MalformedMessageError(`invalid state vector: ${(err as Error).message}`);
        }
        conn.send(reply);
        return;
      }
      case 'update':
        this.applyClientUpdate(conn, msg.update, msg.frame);
        return;
      case 'awareness':
        awarenessProtocol.applyAwarenessUpdate(this.awareness, msg.update, conn);
        return;
      case 'queryAwareness':
        conn.send(encodeAwareness(this.awareness, [...this.awareness.getStates().keys()]));
        return;
    }
  }

  /**
   * Every check runs on the decoded update before the doc is touched; a refusal closes the
   * sender's connection with a code saying why (RefusedUpdateError), so its client resyncs
   * instead of writing on top of a change the server never took.
   */
  private applyClientUpdate(conn: SyncConnection, update: Uint8Array, frame: Uint8Array | undefined): void {
    const maxUpdate = this.options.maxUpdateBytes ?? YJS_LIMITS.maxUpdateBytes;
    if (update.length > maxUpdate) {
      throw new RefusedUpdateError(WS_CLOSE.tooLarge, `a mix change may be at most ${kib(maxUpdate)}; this one is ${kib(update.length)}`);
    }
    let facts: ReturnType<typeof inspectUpdate>;
    // Decoding without integrating catches truncated/garbage updates before the doc is touched.
    try {
      facts = inspectUpdate(this.doc, update, this.options.shapeCheck === undefined ? mixWriteProblem : (this.options.shapeCheck ?? undefined));
    } catch (err) {
      throw new MalformedMessageError(`invalid Yjs update: ${(err as Error).message}`);
    }
    // A sync step 2 that only repeats what the doc has (every client sends one on connect) is fine from anyone.
    if (!facts.changes) return;
    if (conn.readOnly) {
      this.rejectedUpdates++;
      throw new RefusedUpdateError(WS_CLOSE.readOnly, 'viewers cannot change the mix; your change was not saved');
    }
    for (const root of facts.roots) {
      if (SERVER_ROOTS.has(root)) throw new RefusedUpdateError(WS_CLOSE.refused, `"${root}" is written by the server only`);
      if (root === CHANNELS_ROOT && !conn.mayManageStems) {
        throw new RefusedUpdateError(WS_CLOSE.refused, 'only the owner or an engineer can add, rename or remove channels');
      }
    }
    if (facts.shapeProblem) throw new RefusedUpdateError(WS_CLOSE.invalid, facts.shapeProblem);
    // Without stems.manage nothing may be parked for later: a parked delete could remove a channel the server adds next.
    if (facts.missing && !conn.mayManageStems) {
      throw new RefusedUpdateError(WS_CLOSE.resync, 'this change builds on changes the server does not have; reconnect to resync');
    }
    const claims: number[] = [];
    const writers: number[] = [];
    for (const client of facts.newClients.keys()) {
      const owner = client === this.doc.clientID || client === TABLE_WRITER ? 'the server' : this.owners.ownerOf(client);
      if (owner === undefined) claims.push(client);
      else if (owner === 'retired') throw new RefusedUpdateError(WS_CLOSE.clientIdTaken, `Yjs client id ${client} has not written for a long time and was retired; reload the page to edit again`);
      else if (owner !== conn.userId) throw new RefusedUpdateError(WS_CLOSE.clientIdTaken, `Yjs client id ${client} belongs to another member`);
      else writers.push(client);
    }
    const maxDoc = this.options.maxDocBytes ?? YJS_LIMITS.maxDocBytes;
    if (this.docBytesBound + update.length > maxDoc) {
      this.docBytesBound = Y.encodeStateAsUpdate(this.doc).length;
      if (this.docBytesBound + update.length > maxDoc) {
        throw new RefusedUpdateError(WS_CLOSE.tooLarge, `the mix document may be at most ${kib(maxDoc)}; it is ${kib(this.docBytesBound)} and this change adds ${kib(update.length)}`);
      }
    }
    // Its own transaction (not the sender's origin), so the sender receives the binding too.
    if (conn.userId) this.owners.record(conn.userId, claims, writers, BIND_ORIGIN);
    // A counter, not a state vector before and after: encoding the state vector of every update was
    // 1.7 % of the server's CPU in the soak, for the error path only.
    const before = this.docUpdates;
    try {
      this.integrate(update, conn, frame, facts.decoded);
    } catch (err) {
      const changed = this.docUpdates !== before;
      // Whatever Yjs did integrate went through onDocUpdate (persisted and broadcast), so peers and
      // the log stay consistent with this doc even in the partial case; say so loudly.
      this.logger.error(`Yjs failed to apply an update in session ${this.sessionId}${changed ? ' after partially integrating it' : ''}`, err);
      throw new MalformedMessageError(`Yjs rejected the update: ${(err as Error).message}`);
    }
    // Parked by Yjs for a gap in the sender's own clock (a write of it the server never took):
    // nothing more of it would integrate until the gap is filled, so make it reconnect and resend.
    for (const [client, end] of facts.newClients) {
      if (Y.getState(this.doc.store, client) < end) {
        throw new RefusedUpdateError(WS_CLOSE.resync, 'this change builds on changes the server does not have; reconnect to resync');
      }
    }
  }

  /** Writes pending updates (with every other dirty session's); resolves once committed. */
  async flush(): Promise<void> {
    await this.batcher.flush();
    if (this.writeFailed) throw new Error(`${this.pendingCount} update(s) of session ${this.sessionId} are not persisted yet`);
  }

  takeBatch(): Uint8Array | null {
    const fresh = this.window.take(this.doc.store);
    const batch = fresh ? [...this.restored, fresh] : this.restored;
    this.restored = [];
    if (batch.length === 0) return null;
    return batch.length === 1 ? batch[0] : Y.mergeUpdates(batch);
  }

  restoreBatch(update: Uint8Array): void {
    this.restored.unshift(update);
    this.writeFailed = true;
  }

  committed(): void {
    this.writeFailed = false;
    this.rowCount++;
    if (this.rowCount > this.options.compactThreshold) void this.compact();
  }

  compact(): Promise<void> {
    const run = this.chain.then(() => this.compactNow());
    this.chain = run.catch(() => {});
    return run;
  }

  private async compactNow(): Promise<void> {
    try {
      const { before, after } = await this.log.compact(this.sessionId);
      // Not just `= after`: a write committed while the compaction ran has already counted itself,
      // and `after` may have been read before it landed; assigning lost it, so the log could sit
      // above the threshold with no commit left to notice (a flaky sync test, 2026-11-24). The
      // relative count is exact for this process's writes; `after` also sees other processes'.
      if (before > 1) this.rowCount = Math.max(after, this.rowCount - before + 1);
      if (before !== after) this.logger.debug(`compacted session ${this.sessionId}: ${before} → ${after} rows`);
      if (before > 1 && this.rowCount > this.options.compactThreshold) void this.compact();
    } catch (err) {
      // The log is still complete, only longer; the next threshold crossing retries.
      this.logger.error(`compaction failed for session ${this.sessionId}`, err);
    }
  }

  get pendingCount(): number {
    return this.restored.length + this.window.count;
  }

  /** Releases the doc and its subscriptions; whatever is still pending stays readable through takeBatch(). */
  release(): void {
    this.destroy();
  }

  /** The session was deleted: drop pending updates (there is nothing left to write them to) and release. */
  discard(): void {
    this.restored = [];
    this.window.clear();
    this.writeFailed = false;
    this.destroy();
  }

  private destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.batcher.forget(this);
    this.unsubscribeFanout();
    this.awareness.destroy();
    this.doc.destroy();
  }
}
