// Voice notes (issue 22): a comment whose content is a short recording. The audio is stored
// content-addressed in the blob store like a stem; the comment around it threads, resolves and
// keeps the mix recall like a text comment (comments.ts writes both).
import { CreateVoiceNoteQuery, VOICE_NOTE_MAX_BYTES, VOICE_NOTE_MAX_SEC, type VoiceNoteType } from '@mixroom/protocol';
import { AudioFormatError, decodeWav } from '@mixroom/engine';
import type { IncomingMessage } from 'node:http';
import { HttpError, notFound, sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { sendBlob } from '../http/send-blob.js';
import { parseSessionId } from '../http/sessions.js';
import { insertComment } from './comments.js';
import { parseWith, type ReviewDeps } from './context.js';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const tooLarge = (size: number | null) =>
  new HttpError(413, 'payload_too_large', `the voice note is ${size === null ? 'larger than that' : mb(size)}; the largest accepted is ${mb(VOICE_NOTE_MAX_BYTES)} (about ${VOICE_NOTE_MAX_SEC / 60} minutes of speech) — record a shorter one`);

async function readVoice(req: IncomingMessage): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (declared > VOICE_NOTE_MAX_BYTES) throw tooLarge(declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > VOICE_NOTE_MAX_BYTES) throw tooLarge(null);
    chunks.push(chunk);
  }
  if (size === 0) throw new HttpError(400, 'bad_request', 'no recording: send the audio as the request body');
  return new Uint8Array(Buffer.concat(chunks));
}

const ascii = (b: Uint8Array, at: number, text: string) => [...text].every((ch, i) => b[at + i] === ch.charCodeAt(0));

/** The container, from the bytes: what the browser's recorder makes (WebM/Opus, Ogg, MP4) or a WAV. */
export function sniffVoiceType(b: Uint8Array): VoiceNoteType | null {
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'audio/webm';
  if (ascii(b, 0, 'OggS')) return 'audio/ogg';
  if (ascii(b, 4, 'ftyp')) return 'audio/mp4';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE')) return 'audio/wav';
  return null;
}

export function registerVoiceNoteRoutes(router: Router, deps: ReviewDeps): void {
  const { prisma, access, blobs } = deps;

  router.on('POST', '/api/sessions/:id/comments/voice', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'comments.write');
    const url = new URL(req.url ?? '/', 'http://x');
    const query = parseWith(CreateVoiceNoteQuery, Object.fromEntries(url.searchParams));
    const bytes = await readVoice(req);
    const type = sniffVoiceType(bytes);
    if (!type) throw new HttpError(415, 'unsupported_media_type', 'this is not a recording Mixroom can keep: send WebM/Opus, Ogg, MP4 audio or WAV');
    let durationSec = query.durationSec;
    if (type === 'audio/wav') {
      // A WAV says how long it is; the recorder's figure is only trusted for compressed audio.
      try {
        const wav = decodeWav(bytes);
        durationSec = wav.channels[0].length / wav.sampleRate;
      } catch (err) {
        if (err instanceof AudioFormatError) throw new HttpError(415, 'unsupported_media_type', `the WAV cannot be read: ${err.message}`);
        throw err;
      }
    }
    if (durationSec > VOICE_NOTE_MAX_SEC + 1) throw new HttpError(413, 'payload_too_large', `the voice note is ${Math.round(durationSec)} s long; the longest accepted is ${VOICE_NOTE_MAX_SEC / 60} minutes`);
    const stored = await blobs.put(bytes);
    const body = query.body ?? `Voice note (${Math.floor(durationSec / 60)}:${String(Math.round(durationSec % 60)).padStart(2, '0')})`;
    const info = await insertComment(deps, actor, sessionId, { ...query, body }, { hash: stored.sha256, type, durationSec: Math.round(durationSec * 1000) / 1000, bytes: stored.size });
    sendJson(res, 201, info);
  });

  router.on('GET', '/api/sessions/:id/comments/:commentId/voice', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const c = await prisma.comment.findFirst({ where: { id: params.commentId, sessionId }, select: { voiceHash: true, voiceType: true, deletedAt: true } });
    if (!c) throw notFound(`unknown comment ${params.commentId} in session ${sessionId}`);
    if (c.deletedAt) throw notFound('this voice note was deleted');
    if (!c.voiceHash) throw notFound('this comment has no voice note');
    await sendBlob(req, res, blobs, c.voiceHash, { mimeType: c.voiceType ?? 'application/octet-stream', missing: 'the voice note\'s audio is missing from storage' });
  });
}
