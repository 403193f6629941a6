import * as Y from 'yjs';
import { MixModel, renderMix, type MixFocus } from '@mixroom/engine';
import { loadTone } from '@mixroom/engine/node';
import type { BlobStore } from '../blob/blob-store.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { loadStemAudio } from '../stems/stem-audio.js';
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
}

export class RenderInputError extends Error {}

/**
 * Renders a stored session: the mix document from the update log, the stems from the blob
 * store, through the engine's renderMix. Returns the WAV bytes and any notes.
 */
export async function renderStoredSession(
  prisma: PrismaClient,
  blobs: BlobStore,
  o: RenderSessionOptions,
): Promise<{ wav: Uint8Array; notes: string[]; seconds: number }> {
  const log = new UpdateLog(prisma);
  if (!(await log.sessionExists(o.sessionId))) throw new RenderInputError(`no session "${o.sessionId}"`);
  const doc = new Y.Doc();
  for (const u of await log.load(o.sessionId)) Y.applyUpdate(doc, u);
  const model = new MixModel(doc);
  const state = model.getState();
  const stemRows = await prisma.stem.findMany({ where: { sessionId: o.sessionId } });
  const Tone = await loadTone();
  const stems = new Map<string, AudioBuffer>();
  const notes: string[] = [];
  for (const row of stemRows) {
    if (!state.channels.some((c) => c.stemId === row.id)) continue;
    try {
      stems.set(row.id, await loadStemAudio(blobs, row.fileHash));
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
  const result = await renderMix(Tone, state, stems, {
    sampleRate: o.sampleRate ?? 48000,
    bitDepth: o.bitDepth ?? 24,
    startSeconds: start,
    durationSeconds: o.endSeconds === undefined ? undefined : o.endSeconds - start,
    focus,
    onProgress: o.onProgress,
  });
  return { wav: result.wav, notes: [...notes, ...result.notes], seconds: result.audio.duration };
}
