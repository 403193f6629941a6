// Wire contract shared by apps/server and apps/web: socket.io event names, their
// zod payload schemas, and REST response shapes. Both sides import from here so a
// rename or a new field is a compile error on the other side instead of a silent drift.
import { z } from 'zod';
import { REVIEW_EVENTS } from './review';
import { TALK_EVENTS } from './talk';
import type { Role } from './roles';
import { STEM_RANGES_MAX_BYTES, STEM_RANGES_MAX_PART_BYTES, STEM_RANGES_MAX_PARTS } from './stem-ranges';

// ---------------------------------------------------------------- protocol version

/**
 * The version of this wire contract (socket.io events and payloads, the Yjs document's shape, the
 * close codes). Bump it when a change means a page loaded before it can no longer work with the
 * server: the server then refuses that page's connections with `protocol_mismatch` and the page
 * asks its user to reload, instead of retrying forever against a server it cannot understand.
 */
export const PROTOCOL_VERSION = 1;

/** Query parameter of the Yjs websocket URL (`/yjs/<sessionId>?v=1`) that carries PROTOCOL_VERSION. */
export const PROTOCOL_VERSION_PARAM = 'v';

/** The socket.io handshake `auth` a client sends: `io({ auth: { protocolVersion: PROTOCOL_VERSION } })`. */
export interface HandshakeAuth {
  protocolVersion: number;
}

/** What a page shows when the server refuses it for another protocol version. */
export const PROTOCOL_MISMATCH_MESSAGE = 'Mixroom was updated — please reload.';

/**
 * Why the server refused a client of another protocol version: the `data` of socket.io's
 * `connect_error` (its `message` is PROTOCOL_MISMATCH_MESSAGE). The Yjs websocket says the same
 * with its close code, WS_CLOSE.protocolMismatch, and PROTOCOL_MISMATCH_MESSAGE as the reason.
 */
export interface ProtocolMismatch {
  code: 'protocol_mismatch';
  serverVersion: number;
  clientVersion: number;
  message: string;
}

/**
 * The refusal for a client that says it speaks `clientVersion`, or null when it may connect.
 * A client that sends no version at all (a script, a test client) is not checked: every page of
 * the web app sends one.
 */
export function checkProtocolVersion(clientVersion: unknown): ProtocolMismatch | null {
  if (clientVersion === undefined || clientVersion === null || clientVersion === '') return null;
  const n = typeof clientVersion === 'string' ? Number(clientVersion) : clientVersion;
  if (n === PROTOCOL_VERSION) return null;
  return {
    code: 'protocol_mismatch',
    serverVersion: PROTOCOL_VERSION,
    clientVersion: typeof n === 'number' && Number.isFinite(n) ? n : -1,
    message: PROTOCOL_MISMATCH_MESSAGE,
  };
}

/** Reads a ProtocolMismatch out of a socket.io connect_error (its `data`), or null for any other error. */
export function protocolMismatchOf(err: unknown): ProtocolMismatch | null {
  const data = (err as { data?: unknown } | null)?.data as Partial<ProtocolMismatch> | undefined;
  return data && data.code === 'protocol_mismatch' && typeof data.serverVersion === 'number' ? (data as ProtocolMismatch) : null;
}

/** Session ids are URL path segments (/s/<id>, /yjs/<id>), so keep them URL-safe. */
export const SessionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid session id');
export type SessionId = z.infer<typeof SessionId>;

// ---------------------------------------------------------------- socket.io

/** socket.io is mounted at this path on the same origin as the REST API. */
export const SOCKET_IO_PATH = '/socket.io';
/** y-websocket clients connect to `${origin}${YJS_WS_PATH}/<sessionId>`. */
export const YJS_WS_PATH = '/yjs';

/**
 * Close codes the Yjs websocket uses beyond the standard ones. 4300–4399: reconnecting resyncs
 * (stock y-websocket reconnects by itself); 4400–4499: retrying cannot help (y-websocket ≥ 3.1
 * stops reconnecting). YJS_CLOSE_ADVICE says what a client should show and do for each.
 */
export const WS_CLOSE = {
  goingAway: 1001,
  malformed: 4400,
  /** No valid sign-in cookie on the upgrade request. */
  unauthorized: 4401,
  /** The member was removed from the session while connected. */
  removed: 4403,
  /** Unknown session, or the user is not a member (indistinguishable on purpose). */
  unknownSession: 4404,
  /** A viewer's connection sent a change: not applied; reconnecting resyncs (and resends it, accepted once the role allows). */
  readOnly: 4303,
  /** The change builds on earlier changes of the sender the server never received; reconnecting resends them. */
  resync: 4312,
  /** The change touched a part of the document the sender's role may not edit (e.g. channels without `stems.manage`). */
  refused: 4406,
  /** The change was written under a Yjs client id that belongs to another member (or the server). */
  clientIdTaken: 4409,
  /** The change does not fit the mix document's shape (an unknown part, a wrong type, a value out of range): not applied. */
  invalid: 4422,
  /** The page speaks another PROTOCOL_VERSION than the server (`?v=` of the URL): it must reload, retrying cannot help. */
  protocolMismatch: 4426,
  /** One update above YJS_LIMITS.maxUpdateBytes, or it would grow the document past YJS_LIMITS.maxDocBytes. */
  tooLarge: 4413,
  /** A websocket frame above 4 × maxUpdateBytes: refused by the socket layer before it is read at all. */
  messageTooBig: 1009,
} as const;

/**
 * Bounds on the mix document, checked before an update touches the room's doc. Measured
 * (2026-12): a 48-channel mix with every one of its 40 strip parameters set is 77 KB, 97 KB after
 * 8 writers moved every parameter 20 times; a fader move is tens of bytes. Applying 1 MB stalled the
 * event loop ~56 ms, so 256 KiB stays near 15 ms; 1 MiB leaves 10× room over a heavy 48-channel mix.
 */
export const YJS_LIMITS = {
  maxUpdateBytes: 256 * 1024,
  maxDocBytes: 1024 * 1024,
} as const;

/**
 * What a client should do when the Yjs websocket closes with one of our codes (y-websocket would
 * simply reconnect). `reload`: local changes can never be accepted, so discard the local document
 * and sync a fresh one; `reconnect`: reconnecting resends what is missing; `stop`: do not reconnect.
 */
export const YJS_CLOSE_ADVICE: Record<number, { message: string; action: 'reload' | 'reconnect' | 'stop' }> = {
  [WS_CLOSE.malformed]: { message: 'The server could not read a change from this window; reloading the mix.', action: 'reload' },
  [WS_CLOSE.unauthorized]: { message: 'You are signed out. Sign in again to keep working.', action: 'stop' },
  [WS_CLOSE.removed]: { message: 'You no longer have access to this session.', action: 'stop' },
  [WS_CLOSE.unknownSession]: { message: 'This session does not exist or you are not a member.', action: 'stop' },
  [WS_CLOSE.readOnly]: { message: 'You can only view this mix now; your last change was not saved.', action: 'reload' },
  [WS_CLOSE.refused]: { message: 'Your role cannot make that change (channels are managed by the owner and engineers); it was not saved.', action: 'reload' },
  [WS_CLOSE.clientIdTaken]: { message: 'This window wrote under another member\'s identity; reloading the mix.', action: 'reload' },
  [WS_CLOSE.protocolMismatch]: { message: PROTOCOL_MISMATCH_MESSAGE, action: 'stop' },
  [WS_CLOSE.resync]: { message: 'Reconnecting to catch up with the server.', action: 'reconnect' },
  [WS_CLOSE.invalid]: { message: 'This window sent a change the mix cannot hold; it was not saved. Reloading the mix.', action: 'reload' },
  [WS_CLOSE.tooLarge]: { message: 'That change is too large for a mix document; it was not saved.', action: 'reload' },
  [WS_CLOSE.messageTooBig]: { message: 'That change is too large for a mix document; it was not saved.', action: 'reload' },
};

export const EVENTS = {
  /** client → server, with ack: enter a session's presence room. */
  join: 'session:join',
  /** client → server: leave the current session room. */
  leave: 'session:leave',
  /** client → server: my presence changed (name/color/held control). */
  presenceUpdate: 'presence:update',
  /** server → clients: one peer's presence (sent to others in the room). */
  presence: 'presence',
  /** server → clients: a peer left. */
  presenceLeft: 'presence:left',
  /** client → server, with ack `ClockPong`: one NTP-style exchange for clock-offset estimation. */
  clockPing: 'clock:ping',
  /** client → server, with ack `TransportAck`: a shared-transport command ("Listen together"). */
  transportCommand: 'transport:command',
  /** client → server, with ack `TransportAck`: the session's current shared transport. */
  transportGet: 'transport:get',
  /** server → clients in the session: the shared transport after an accepted command. */
  transportState: 'transport:state',
  /** server → one client: its role in the joined session changed (`role: null` = removed). */
  accessChanged: 'access:changed',
  /** server → one client, then disconnect: the sign-in behind the connection was signed out or expired. */
  signInEnded: 'auth:ended',
} as const;

/** Events a client may send; the server authorizes each (see the role-matrix test). */
export const CLIENT_EVENTS = [
  EVENTS.join, EVENTS.leave, EVENTS.presenceUpdate, EVENTS.clockPing, EVENTS.transportCommand, EVENTS.transportGet,
  REVIEW_EVENTS.subscribe,
  TALK_EVENTS.join, TALK_EVENTS.leave, TALK_EVENTS.signal,
] as const;

export const Color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'color must be #rrggbb');

/** A control id as used by the mix model, e.g. "ch:<id>/gain"; null when nothing is held. */
export const ControlId = z.string().min(1).max(200).nullable();

export const JoinPayload = z.object({
  sessionId: SessionId,
  name: z.string().trim().min(1).max(60),
  color: Color,
});
export type JoinPayload = z.infer<typeof JoinPayload>;

export const PresenceUpdatePayload = z.object({
  name: z.string().trim().min(1).max(60).optional(),
  color: Color.optional(),
  control: ControlId.optional(),
  /** Following the shared transport ("Listen together"). */
  together: z.boolean().optional(),
  /** Stems still downloading/decoding: will join running playback when ready. */
  loading: z.boolean().optional(),
});
export type PresenceUpdatePayload = z.infer<typeof PresenceUpdatePayload>;

export const Presence = z.object({
  /** socket.io socket id of the peer; stable for the lifetime of its connection. */
  peerId: z.string(),
  name: z.string(),
  color: Color,
  control: ControlId,
  together: z.boolean().default(false),
  loading: z.boolean().default(false),
});
export type Presence = z.infer<typeof Presence>;

export const PresenceLeftPayload = z.object({ peerId: z.string() });
export type PresenceLeftPayload = z.infer<typeof PresenceLeftPayload>;

export type ErrorBody = { error: { code: ErrorCode; message: string } };
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'gone'
  | 'payload_too_large'
  | 'not_found'
  | 'not_joined'
  | 'rate_limited'
  | 'range_not_satisfiable'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'unsupported_audio'
  | 'precondition_failed'
  | 'storage_unavailable'
  | 'database_busy'
  | 'internal';

export type JoinAck =
  | { ok: true; peerId: string; peers: Presence[] }
  | ({ ok: false } & ErrorBody);

// ---------------------------------------------------------------- Listen together

export const ClockPingPayload = z.object({ clientSendMs: z.number().finite() });
export type ClockPingPayload = z.infer<typeof ClockPingPayload>;
export type ClockPong = { serverMs: number };

const Position = z.number().finite();
export const TransportCommandPayload = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('play'), position: Position.optional() }),
  z.object({ kind: z.literal('pause') }),
  z.object({ kind: z.literal('stop') }),
  z.object({ kind: z.literal('seek'), position: Position }),
  z.object({ kind: z.literal('loop'), enabled: z.boolean(), start: Position.optional(), end: Position.optional() }),
]);
export type TransportCommandPayload = z.infer<typeof TransportCommandPayload>;

/** Mirrors SharedTransportState of @mixroom/engine (the protocol package stays dependency-free). */
export const SharedTransportStateSchema = z.object({
  seq: z.number().int().nonnegative(),
  playing: z.boolean(),
  position: z.number().finite(),
  anchorServerMs: z.number().finite(),
  loop: z.object({ enabled: z.boolean(), start: z.number().finite(), end: z.number().finite() }),
  lastAction: z
    .object({ kind: z.enum(['play', 'pause', 'stop', 'seek', 'loop']), by: z.string(), position: z.number().finite() })
    .nullable(),
});
export type SharedTransportStateMessage = z.infer<typeof SharedTransportStateSchema>;

export type TransportAck = { ok: true; state: SharedTransportStateMessage } | ({ ok: false } & ErrorBody);

// ---------------------------------------------------------------- REST

export const CreateSessionBody = z.strictObject({ title: z.string().trim().min(1).max(200) });
export type CreateSessionBody = z.infer<typeof CreateSessionBody>;

export interface SessionSummary {
  id: string;
  title: string;
  stemCount: number;
  /** Longest stem, seconds; 0 without stems. */
  durationSec: number;
  updatedAt: string;
  /** The caller's role in this session. */
  role: Role;
}

export interface StemInfo {
  id: string;
  name: string;
  sampleRate: number;
  channels: number;
  durationSec: number;
  position: number;
  /** Same-origin URL of the audio file (supports Range, immutable caching). */
  url: string;
  /** SHA-256 of the audio file: browsers cache stems locally under it across visits. */
  contentHash?: string;
  /** Same-origin URL of the encoded peaks, or null when none were computed. */
  peaksUrl: string | null;
}

export interface SessionDetail {
  id: string;
  title: string;
  tempo: number;
  createdAt: string;
  updatedAt: string;
  stems: StemInfo[];
  /** The caller's role: the web app disables what the role may not do. */
  role: Role;
}

export interface ListSessionsResponse { sessions: SessionSummary[] }
export type CreateSessionResponse = SessionDetail;
export type GetSessionResponse = SessionDetail;

export const stemAudioUrl = (sessionId: string, stemId: string) =>
  `/api/sessions/${encodeURIComponent(sessionId)}/stems/${encodeURIComponent(stemId)}/audio`;
export const stemPeaksUrl = (sessionId: string, stemId: string) =>
  `/api/sessions/${encodeURIComponent(sessionId)}/stems/${encodeURIComponent(stemId)}/peaks`;

/**
 * Byte ranges of several stems in one request: a seek or an open needs the same seconds of every
 * stem, and a browser opens at most six connections to a host (48 stems were eight rounds).
 * POST a StemRangesRequest; the answer is the parts' bytes one after another, in request order,
 * each as long as its STEM_RANGES_HEADER entry says (0 for a part with an error).
 */
export const stemRangesUrl = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}/stems/ranges`;
export * from './stem-ranges';
export const StemRangesRequest = z
  .object({
    parts: z
      .array(z.object({ stemId: z.string().min(1).max(128), from: z.number().int().min(0), to: z.number().int().min(1) }).refine((p) => p.to > p.from, 'to must be after from'))
      .min(1)
      .max(STEM_RANGES_MAX_PARTS),
  })
  .refine((r) => r.parts.every((p) => p.to - p.from <= STEM_RANGES_MAX_PART_BYTES), `a part may span at most ${STEM_RANGES_MAX_PART_BYTES} bytes`)
  .refine((r) => r.parts.reduce((n, p) => n + p.to - p.from, 0) <= STEM_RANGES_MAX_BYTES, `a request may ask for at most ${STEM_RANGES_MAX_BYTES} bytes`);
export type StemRangesRequest = z.infer<typeof StemRangesRequest>;
export const AccessChangedPayload = z.object({ sessionId: SessionId, role: z.enum(['owner', 'engineer', 'artist', 'viewer']).nullable() });
export type AccessChangedPayload = z.infer<typeof AccessChangedPayload>;
export const SignInEndedPayload = z.object({ reason: z.enum(['signed_out', 'expired']), message: z.string() });
export type SignInEndedPayload = z.infer<typeof SignInEndedPayload>;

export * from './roles';
export * from './auth';

// ---------------------------------------------------------------- Stem uploads and edits

export const RenameStemBody = z.strictObject({ name: z.string().trim().min(1).max(200) });
export type RenameStemBody = z.infer<typeof RenameStemBody>;

/** One take of a channel: the active stem or an earlier/removed one (still downloadable). */
export interface StemTake {
  id: string;
  name: string;
  fileName: string;
  mimeType: string;
  sizeBytes: number;
  sampleRate: number;
  channels: number;
  durationSec: number;
  createdAt: string;
  /** Null for the take currently in the mix. */
  retiredAt: string | null;
  url: string;
}
export interface StemTakesResponse { takes: StemTake[] }

/**
 * Bytes per tus PATCH from the browser. Each PATCH costs at least a round trip with the link idle
 * (12 % of an 8 MiB chunk's time at 10 MB/s and 100 ms RTT, 1.5 % of a 64 MiB one); what a
 * dropped connection costs does not depend on it, because the server keeps every byte that
 * reached its disk and the client resumes from HEAD. 64 MiB stays under common proxies' body
 * limits (100 MB). bench:upload sends the same PATCHes.
 */
export const UPLOAD_CHUNK_BYTES = 64 * 1024 * 1024;
export const uploadsUrl = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}/uploads`;
/** Response headers of the PATCH that completes an upload. */
export const UPLOAD_STEM_HEADER = 'Mixroom-Stem-Id';
export const UPLOAD_CHANNEL_HEADER = 'Mixroom-Channel-Id';
/** Plain-words notes on an accepted stem (very short, another sample rate, a name taken): percent-encoded JSON string[]. */
export const UPLOAD_NOTES_HEADER = 'Mixroom-Stem-Notes';
export * from './review';
export * from './talk';
