import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as Y from 'yjs';
import { MixModel, isStemSource, renderMix, renderMixTo, type MixFocus, type StemInput } from '@mixroom/engine';
import { installWebAudioGlobals } from '@mixroom/engine/node';
import type { BlobStore } from '../blob/blob-store.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { openRenderStem } from '../stems/blob-stem-source.js';
import { UpdateLog } from '../sync/update-log.js';

export interface RenderSessionOptions {
  sessionId: string;
  bitDepth?: 16 | 24 | 32;
  sampleRate?: 44100 | 48000 | 96000;
  startSeconds?: number;
  endSeconds?: number;
  /** Render one channel (by id or name) as a stem instead of the mix. */
  channel?: string;
  onProgress?: (fraction: number) => void;
  /**
   * The old path, for comparisons: every stem decoded whole before rendering and the whole WAV
   * made in memory (memory grows with the session), instead of WAV/AIFF stems streamed from
   * storage and the WAV written as the render goes.
   */
  wholeStems?: boolean;
}

export class RenderInputError extends Error {}

/**
 * Renders a stored session: the mix document from the update log, the stems from the blob
 * store, through the engine's renderMixTo: `write` receives the WAV file in order, piece by
 * piece. Returns the notes and the length. WAV/AIFF stems at the render's rate are read from
 * storage a few seconds at a time (blob-stem-source.ts) and the mix is written as it is made, so
 * memory does not grow with the number or length of the stems; FLAC/MP3/Vorbis stems and stems
 * at another rate are still decoded whole (a note says so).
 */
export async function renderStoredSession(
  prisma: PrismaClient,
  blobs: BlobStore,
  o: RenderSessionOptions,
  write: (bytes: Uint8Array) => void | Promise<void>,
): Promise<{ notes: string[]; seconds: number }> {
  const log = new UpdateLog(prisma);
  if (!(await log.sessionExists(o.sessionId))) throw new RenderInputError(`no session "${o.sessionId}"`);
  const doc = new Y.Doc();
  for (const u of await log.load(o.sessionId)) Y.applyUpdate(doc, u);
  const model = new MixModel(doc);
  const state = model.getState();
  const stemRows = await prisma.stem.findMany({ where: { sessionId: o.sessionId } });
  // Renders need Web Audio's AudioBuffer and OfflineAudioContext (the reverb), not Tone.js (25 MB).
  installWebAudioGlobals();
  const rate = o.sampleRate ?? 48000;
  const stems = new Map<string, StemInput>();
  const notes: string[] = [];
  for (const row of stemRows) {
    if (!state.channels.some((c) => c.stemId === row.id)) continue;
    try {
      const { input, note } = await openRenderStem(blobs, row.fileHash, rate, { whole: o.wholeStems });
      stems.set(row.id, input);
      if (note) notes.push(`stem "${row.name}": ${note}`);
    } catch (e) {
      notes.push(`stem "${row.name}" could not be read (${e instanceof Error ? e.message : e}); rendered without it`);
    }
  }
  let focus: MixFocus = { kind: 'mix' };
  if (o.channel !== undefined) {
    const ch = state.channels.find((c) => c.id === o.channel || c.name === o.channel);
    if (!ch) throw new RenderInputError(`no channel "${o.channel}" in session (channels: ${state.channels.map((c) => c.name).join(', ')})`);
    focus = { kind: 'channel', channelId: ch.id };
  }
  const start = o.startSeconds ?? 0;
  if (o.endSeconds !== undefined && o.endSeconds <= start) throw new RenderInputError('--end must be after --start');
  const options = {
    sampleRate: rate,
    bitDepth: o.bitDepth ?? 24,
    startSeconds: start,
    durationSeconds: o.endSeconds === undefined ? undefined : o.endSeconds - start,
    focus,
    onProgress: (f: number) => {
      collect();
      o.onProgress?.(f);
    },
  };
  try {
    if (o.wholeStems) {
      const result = await renderMix(null, state, stems, options);
      await write(result.wav);
      return { notes: [...notes, ...result.notes], seconds: result.audio.duration };
    }
    const result = await renderMixTo(state, stems, options, write);
    return { notes: [...notes, ...result.notes], seconds: result.frames / result.sampleRate };
  } finally {
    for (const s of stems.values()) if (isStemSource(s)) s.close?.();
  }
}

/**
 * A full garbage collection after each 16 s segment. The reverb renders every segment in its own
 * native OfflineAudioContext (node-web-audio-api): its buffers (~14 MB a segment) live outside
 * V8's heap accounting, so V8 saw no reason to collect them and peak RSS drifted with the song's
 * length and with the machine's load. A collection of the render's small heap costs milliseconds.
 */
const collect = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
