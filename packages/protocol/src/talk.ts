// Talkback (issue 22): push-to-talk voice between the members of a session, peer-to-peer over
// WebRTC. The server only relays signalling (offer / answer / ICE / hang-up) between members of
// the same session who have entered its voice, through the session's socket.io connection.
import { z } from 'zod';

export const TALK_EVENTS = {
  /** client → server, with ack `TalkJoinAck`: enter the joined session's voice (listen, and talk if the role may). */
  join: 'talk:join',
  /** client → server: leave the voice (peers hear `talk:left`). */
  leave: 'talk:leave',
  /** client → server, with ack `TalkSignalAck`: signalling for one peer in the same session's voice. */
  signal: 'talk:signal',
  /** server → one client: signalling from a peer (`TalkSignalMessage`). */
  incoming: 'talk:incoming',
  /** server → clients in the voice: a peer left it (`{ peerId }`). */
  left: 'talk:left',
} as const;

/** Most people in one session's voice: every one of them holds a connection to every other (mesh). */
export const TALK_MAX_PEERS = 6;

/**
 * Bounds on signalling payloads. An audio-only SDP from Chromium is 1–3 KB (with a data channel
 * and every codec ~5 KB); 16 KiB leaves room for TURN-heavy candidates in the SDP. One ICE
 * candidate line is < 300 characters.
 */
export const TALK_LIMITS = { maxSdpChars: 16 * 1024, maxCandidateChars: 1024 } as const;

const PeerId = z.string().min(1, 'peer id is empty').max(64, 'peer id is too long');
const Sdp = z
  .string()
  .min(1, 'the session description is empty')
  .max(TALK_LIMITS.maxSdpChars, `the session description is longer than ${TALK_LIMITS.maxSdpChars} characters`)
  .refine((s) => s.startsWith('v=0'), 'the session description is not SDP (it must start with "v=0")');

export const TalkSignalPayload = z.discriminatedUnion('kind', [
  z.strictObject({ to: PeerId, kind: z.literal('offer'), sdp: Sdp }),
  z.strictObject({ to: PeerId, kind: z.literal('answer'), sdp: Sdp }),
  z.strictObject({
    to: PeerId,
    kind: z.literal('ice'),
    candidate: z.strictObject({
      candidate: z.string().max(TALK_LIMITS.maxCandidateChars, `the ICE candidate is longer than ${TALK_LIMITS.maxCandidateChars} characters`),
      sdpMid: z.string().max(64).nullable().optional(),
      sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
      usernameFragment: z.string().max(256).nullable().optional(),
    }),
  }),
  z.strictObject({ to: PeerId, kind: z.literal('hangup') }),
], { error: (issue) => (issue.code === 'invalid_union' ? 'kind must be offer, answer, ice or hangup' : undefined) });
export type TalkSignalPayload = z.infer<typeof TalkSignalPayload>;

/** What the addressed peer receives: the payload without `to`, with who sent it. */
export const TalkSignalMessage = z.object({
  from: PeerId,
  name: z.string().max(60),
  kind: z.enum(['offer', 'answer', 'ice', 'hangup']),
  sdp: z.string().max(TALK_LIMITS.maxSdpChars).optional(),
  candidate: z
    .object({
      candidate: z.string().max(TALK_LIMITS.maxCandidateChars),
      sdpMid: z.string().nullable().optional(),
      sdpMLineIndex: z.number().nullable().optional(),
      usernameFragment: z.string().nullable().optional(),
    })
    .optional(),
});
export type TalkSignalMessage = z.infer<typeof TalkSignalMessage>;

/**
 * STUN/TURN servers for the browsers' RTCPeerConnections (RTCIceServer[]), set on the server with
 * ICE_SERVERS (JSON) and handed out with `talk:join`. Empty on loopback and a LAN.
 */
export const IceServers = z.array(
  z.strictObject({
    urls: z.union([z.string().regex(/^(stun|stuns|turn|turns):/, 'an ICE server URL starts with stun:, stuns:, turn: or turns:'), z.array(z.string().regex(/^(stun|stuns|turn|turns):/, 'an ICE server URL starts with stun:, stuns:, turn: or turns:')).min(1)]),
    username: z.string().optional(),
    credential: z.string().optional(),
  }),
).max(8);
export type IceServers = z.infer<typeof IceServers>;

export interface TalkPeer {
  peerId: string;
  name: string;
  /** Whether this peer's role may talk (everyone in the voice may listen). */
  canTalk: boolean;
}

type TalkError = { ok: false; error: { code: 'not_joined' | 'forbidden' | 'bad_request' | 'rate_limited' | 'conflict' | 'internal'; message: string } };
/** `peers`: everyone already in the voice; the one who joins offers a connection to each of them. */
export type TalkJoinAck = { ok: true; peerId: string; canTalk: boolean; peers: TalkPeer[]; iceServers: IceServers } | TalkError;
export type TalkSignalAck = { ok: true } | TalkError;
export const TalkLeftPayload = z.object({ peerId: PeerId });
export type TalkLeftPayload = z.infer<typeof TalkLeftPayload>;

/**
 * Whether a session description would send audio: some audio m-section whose direction is
 * sendrecv or sendonly (the default when none is given) and not rejected (port 0). The server
 * refuses such an offer or answer from a member whose role may not talk.
 */
export function sdpSendsAudio(sdp: string): boolean {
  const sections = sdp.split(/\r?\n(?=m=)/);
  for (const section of sections) {
    const m = /^m=audio (\d+)/.exec(section);
    if (!m) continue;
    if (m[1] === '0') continue;
    const dir = /\r?\na=(sendrecv|sendonly|recvonly|inactive)\b/.exec(section)?.[1] ?? 'sendrecv';
    if (dir === 'sendrecv' || dir === 'sendonly') return true;
  }
  return false;
}
