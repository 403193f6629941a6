// y-websocket wire format: varuint message type, then a type-specific body.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_QUERY_AWARENESS = 3;

/** A client sent something we cannot interpret; its connection gets closed with 4400. */
export class MalformedMessageError extends Error {}

/** A well-formed update the server will not apply; the connection is closed with `code` (see WS_CLOSE). */
export class RefusedUpdateError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(e, doc);
  return encoding.toUint8Array(e);
}

export function encodeSyncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  syncProtocol.writeSyncStep2(e, doc, stateVector);
  return encoding.toUint8Array(e);
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

export function encodeAwareness(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(e);
}

export type ClientMessage =
  | { type: 'syncStep1'; stateVector: Uint8Array }
  /**
   * `frame`: the whole message as received when it is byte for byte what encodeUpdate(update)
   * makes (a y-websocket update message), so it can be relayed as it is.
   */
  | { type: 'update'; update: Uint8Array; frame?: Uint8Array }
  | { type: 'awareness'; update: Uint8Array; clients: number[] }
  | { type: 'queryAwareness' };

/**
 * Parses one client message completely before anything touches shared state, so a truncated
 * or garbage message is rejected as a whole instead of being half-applied.
 */
export function parseClientMessage(data: Uint8Array): ClientMessage {
  try {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    switch (type) {
      case MESSAGE_SYNC: {
        const syncType = decoding.readVarUint(d);
        const payload = decoding.readVarUint8Array(d);
        if (syncType === syncProtocol.messageYjsSyncStep1) return { type: 'syncStep1', stateVector: payload };
        // Step 2 and update both carry an update and are applied identically. A step 2 is not
        // relayed as received: y-websocket takes one as "synced with the server".
        if (syncType === syncProtocol.messageYjsUpdate) {
          return data[0] === MESSAGE_SYNC && data[1] === syncType && data.length === 2 + varUintLength(payload.length) + payload.length
            ? { type: 'update', update: payload, frame: data }
            : { type: 'update', update: payload };
        }
        if (syncType === syncProtocol.messageYjsSyncStep2) return { type: 'update', update: payload };
        throw new MalformedMessageError(`unknown sync message type ${syncType}`);
      }
      case MESSAGE_AWARENESS: {
        const update = decoding.readVarUint8Array(d);
        return { type: 'awareness', update, clients: validateAwarenessUpdate(update) };
      }
      case MESSAGE_QUERY_AWARENESS:
        return { type: 'queryAwareness' };
      default:
        throw new MalformedMessageError(`unknown message type ${type}`);
    }
  } catch (err) {
    if (err instanceof MalformedMessageError) throw err;
    throw new MalformedMessageError(`undecodable message: ${(err as Error).message}`);
  }
}

/** Bytes lib0 writes for `n` as a varuint (7 bits a byte). */
function varUintLength(n: number): number {
  let bytes = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

/** Same layout y-protocols reads in applyAwarenessUpdate; returns the client ids it mentions. */
function validateAwarenessUpdate(update: Uint8Array): number[] {
  const d = decoding.createDecoder(update);
  const n = decoding.readVarUint(d);
  const clients: number[] = [];
  for (let i = 0; i < n; i++) {
    clients.push(decoding.readVarUint(d));
    decoding.readVarUint(d);
    JSON.parse(decoding.readVarString(d));
  }
  return clients;
}
