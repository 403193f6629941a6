import type { Logger } from '../log.js';
import type { DocUpdateFanout, FanoutPeer } from '../sync/fanout.js';
import type { RedisBus } from './redis-bus.js';

// A frame on a session's channel: kind (1 byte), the sender's id (length byte + UTF-8), payload.
const UPDATE = 1;
/** "Here is my state vector; send me what I lack" (after this process missed messages). */
const CATCH_UP = 2;
/** Awareness changes of the sender's clients. */
const AWARENESS = 3;
/** "I just started holding this session: send me your clients' awareness states." */
const AWARENESS_QUERY = 4;
/**
 * The answer to a CATCH_UP besides the requester's missing part: the answerer's own state
 * vector, so the requester sends back what the answerer lacks. A process's own CATCH_UP may
 * have been published before the other processes were listening again (each reconnects on its
 * own schedule), and then only this reply brings their side over. Answered with an UPDATE only,
 * never with another request.
 */
const SYNC_BACK = 5;
const KINDS = new Set([UPDATE, CATCH_UP, AWARENESS, AWARENESS_QUERY, SYNC_BACK]);
/** Yjs encodes an update that holds nothing as these two bytes (no structs, empty delete set). */
const EMPTY_UPDATE_BYTES = 2;

export function encodeFrame(kind: number, sourceId: string, payload: Uint8Array): Buffer {
  const source = Buffer.from(sourceId, 'utf8');
  if (source.length > 255) throw new Error('source id too long');
  return Buffer.concat([Buffer.from([kind, source.length]), source, payload]);
}

export function decodeFrame(frame: Buffer): { kind: number; sourceId: string; payload: Uint8Array } | null {
  if (frame.length < 2) return null;
  const end = 2 + frame[1];
  if (frame.length < end || !KINDS.has(frame[0])) return null;
  return { kind: frame[0], sourceId: frame.toString('utf8', 2, end), payload: new Uint8Array(frame.buffer, frame.byteOffset + end, frame.length - end) };
}

const docChannel = (sessionId: string) => `doc:${sessionId}`;

/**
 * Yjs updates between server processes over Redis pub/sub, one channel per session. Pub/sub
 * keeps nothing for a listener that is away, so after a dropped connection each process sends
 * its state vector for every session it holds and the others answer with the difference and
 * their own state vector, which it answers in turn (so both directions are covered whichever
 * process was listening first); the database log is never needed for this, and Yjs makes
 * applying anything twice harmless.
 */
export class RedisFanout implements DocUpdateFanout {
  private readonly sessions = new Map<string, { sourceId: string; peer: FanoutPeer }>();
  private readonly stopCatchUp: () => void;

  constructor(private readonly bus: RedisBus, private readonly logger: Logger) {
    this.stopCatchUp = bus.onCatchUp(() => {
      for (const [sessionId, { sourceId, peer }] of this.sessions) {
        bus.publish(docChannel(sessionId), encodeFrame(CATCH_UP, sourceId, peer.stateVector()));
        bus.publish(docChannel(sessionId), encodeFrame(AWARENESS_QUERY, sourceId, new Uint8Array(0)));
      }
    });
  }

  publish(sessionId: string, update: Uint8Array, sourceId: string): void {
    this.bus.publish(docChannel(sessionId), encodeFrame(UPDATE, sourceId, update));
  }

  publishAwareness(sessionId: string, update: Uint8Array, sourceId: string): void {
    this.bus.publish(docChannel(sessionId), encodeFrame(AWARENESS, sourceId, update));
  }

  async subscribe(sessionId: string, sourceId: string, peer: FanoutPeer): Promise<() => void> {
    // A room manager holds one room per session, so one subscriber per session and process.
    this.sessions.set(sessionId, { sourceId, peer });
    let unsubscribe: () => void;
    try {
      unsubscribe = await this.bus.subscribe(docChannel(sessionId), (message) => this.receive(sessionId, sourceId, peer, message));
    } catch (err) {
      if (this.sessions.get(sessionId)?.peer === peer) this.sessions.delete(sessionId);
      throw err;
    }
    this.bus.publish(docChannel(sessionId), encodeFrame(AWARENESS_QUERY, sourceId, new Uint8Array(0)));
    return () => {
      if (this.sessions.get(sessionId)?.peer === peer) this.sessions.delete(sessionId);
      unsubscribe();
    };
  }

  catchUp(sessionId: string, sourceId: string): void {
    const held = this.sessions.get(sessionId);
    if (held?.sourceId === sourceId) this.bus.publish(docChannel(sessionId), encodeFrame(CATCH_UP, sourceId, held.peer.stateVector()));
  }

  private receive(sessionId: string, ownId: string, peer: FanoutPeer, message: Buffer): void {
    const frame = decodeFrame(message);
    if (!frame) {
      this.logger.warn(`ignoring a malformed message (${message.length} bytes) on session ${sessionId}'s channel`);
      return;
    }
    if (frame.sourceId === ownId) return;
    if (frame.kind === AWARENESS) {
      try {
        peer.applyRemoteAwareness(frame.payload);
      } catch (err) {
        this.logger.warn(`ignoring an awareness update for session ${sessionId} from process ${frame.sourceId} that y-protocols rejected: ${(err as Error).message}`);
      }
      return;
    }
    if (frame.kind === AWARENESS_QUERY) {
      const states = peer.localAwareness();
      if (states) this.publishAwareness(sessionId, states, ownId);
      return;
    }
    if (frame.kind === UPDATE) {
      try {
        peer.applyRemote(frame.payload);
      } catch (err) {
        this.logger.warn(`ignoring an update for session ${sessionId} from process ${frame.sourceId} that Yjs rejected: ${(err as Error).message}`);
      }
      return;
    }
    let missing: Uint8Array;
    try {
      missing = peer.updateSince(frame.payload);
    } catch (err) {
      this.logger.warn(`ignoring a catch-up request for session ${sessionId} with an invalid state vector: ${(err as Error).message}`);
      return;
    }
    if (missing.length > EMPTY_UPDATE_BYTES) this.publish(sessionId, missing, ownId);
    if (frame.kind === CATCH_UP) this.bus.publish(docChannel(sessionId), encodeFrame(SYNC_BACK, ownId, peer.stateVector()));
  }

  async close(): Promise<void> {
    this.stopCatchUp();
    this.sessions.clear();
  }
}
