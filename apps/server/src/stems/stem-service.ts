// What happens to a stem after its bytes arrived, and every later change to it. The database
// row and the mix document are the two records of a stem; each operation changes the row first
// and the mix second, and undoes the row if the mix edit fails, so neither points at nothing.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { MixModel } from '@mixroom/engine';
import type { BlobInfo, BlobStore } from '../blob/blob-store.js';
import { isDatabaseUnavailable } from '../db/busy.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { HttpError, notFound } from '../http/respond.js';
import type { Logger } from '../log.js';
import type { RoomManager } from '../sync/room-manager.js';
import { channelNameFor } from './file-name.js';
import { peaksFromFile } from './peaks-from-file.js';
import { probeAudio, ProbeError, type ProbeResult } from './probe.js';
import { stemNotes } from './stem-notes.js';

export interface StemServiceDeps {
  prisma: PrismaClient;
  blobs: BlobStore;
  rooms: RoomManager;
  logger: Logger;
  /** Called after a session's set of active stems changed (the song's length may have). */
  stemsChanged?: (sessionId: string) => void;
}

export interface IngestedStem {
  stemId: string;
  channelId: string;
  probe: ProbeResult;
  sha256: string;
  /** Plain-words notes for the uploader (very short, another sample rate, a name already taken). */
  notes: string[];
}

const shortId = () => randomBytes(8).toString('base64url');

export async function probeFile(filePath: string): Promise<ProbeResult> {
  const handle = await open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    return await probeAudio(async (offset, length) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      if (buf.length === 0) return new Uint8Array(0);
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
      return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
    }, size);
  } finally {
    await handle.close();
  }
}

export class StemService {
  constructor(private readonly deps: StemServiceDeps) {}

  /**
   * Turns a finished upload file into a stem: probe, peaks, blob store, row, mix channel.
   * The file is consumed (moved into the store, or deleted when rejected), except when the
   * database is busy or away: then it stays (or is put back) at `filePath` for another try.
   * Throws HttpError 422 with the probe's message for files that are not usable audio.
   */
  async ingest(args: {
    sessionId: string;
    filePath: string;
    fileName: string;
    /** Digest computed while the bytes arrived, when it covers the whole file. */
    known?: BlobInfo;
    /** Peaks computed while the bytes arrived (WAV/AIFF), given the final probe; null unless it agrees. */
    livePeaks?: (probe: ProbeResult) => Uint8Array | null;
    replacesStemId?: string | null;
  }): Promise<IngestedStem> {
    const { prisma, blobs, rooms } = this.deps;
    let probe: ProbeResult;
    let peaks: Uint8Array | null;
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    const steps: string[] = [];
    const size = (await stat(args.filePath)).size;
    try {
      probe = await probeFile(args.filePath);
      const live = args.livePeaks?.(probe) ?? null;
      peaks = live ?? (await peaksFromFile(args.filePath, probe, size));
      steps.push(`probe+peaks (${live ? 'computed during upload' : 'read from file'}) ${ms()} ms`);
    } catch (err) {
      await rm(args.filePath, { force: true });
      if (err instanceof ProbeError) throw new HttpError(422, 'unsupported_audio', `${args.fileName}: ${err.message}`);
      throw err;
    }
    // Every read before the file moves into the store: a busy database then leaves it in place.
    const replaced = args.replacesStemId ? await this.activeStem(args.sessionId, args.replacesStemId) : null;
    const name = channelNameFor(args.fileName);
    const others = await prisma.stem.findMany({
      where: { sessionId: args.sessionId, retiredAt: null, ...(replaced ? { id: { not: replaced.id } } : {}) },
      select: { name: true, sampleRate: true },
    });
    const position = replaced?.position ?? (await this.nextPosition(args.sessionId));
    const notes = stemNotes({ name, sampleRate: probe.sampleRate, durationSec: probe.durationSec }, others);
    const blob = await blobs.putFile(args.filePath, args.known);
    const stemId = shortId();
    let channelId: string;
    try {
      // Peaks go to the blob store too: megabytes in a database row are slow (PGlite keeps them in its heap).
      const peaksBlob = peaks ? await blobs.put(peaks) : null;
      steps.push(`stored ${ms()} ms`);
      // Stems seeded before takes existed know their channel only through the mix document.
      channelId = replaced
        ? (replaced.channelId ?? (await rooms.edit(args.sessionId, (d) => new MixModel(d).channelOfStem(replaced.id)?.id)) ?? shortId())
        : shortId();
      await prisma.$transaction([
        prisma.stem.create({
          data: {
            id: stemId, sessionId: args.sessionId, channelId, name, fileHash: blob.sha256, fileName: args.fileName,
            mimeType: probe.mimeType, sizeBytes: blob.size, sampleRate: probe.sampleRate, channels: probe.channels,
            durationSec: probe.durationSec, position, peaksHash: peaksBlob?.sha256 ?? null,
          },
        }),
        ...(replaced ? [prisma.stem.update({ where: { id: replaced.id }, data: { retiredAt: new Date(), channelId } })] : []),
      ]);
    } catch (err) {
      // Nothing points at the stored bytes yet: put the file back so the upload can be completed again.
      if (isDatabaseUnavailable(err)) await this.putBack(blob.sha256, args.filePath);
      throw err;
    }
    try {
      await rooms.edit(args.sessionId, (d) => {
        const mix = new MixModel(d);
        if (replaced && mix.setChannelStem(channelId, stemId)) return;
        // A replaced stem whose channel was removed meanwhile comes back as a channel.
        mix.addChannel({ id: channelId, name, stemId });
      });
    } catch (err) {
      await prisma.$transaction([
        prisma.stem.delete({ where: { id: stemId } }),
        ...(replaced ? [prisma.stem.update({ where: { id: replaced.id }, data: { retiredAt: null } })] : []),
      ]);
      throw err;
    }
    this.deps.stemsChanged?.(args.sessionId);
    steps.push(`in the mix ${ms()} ms`);
    this.deps.logger.info(`session ${args.sessionId}: stem "${name}" (${probe.container}/${probe.codec}, ${probe.durationSec.toFixed(1)} s) → channel ${channelId}; ${steps.join(', ')}`);
    return { stemId, channelId, probe, sha256: blob.sha256, notes };
  }

  async rename(sessionId: string, stemId: string, name: string): Promise<void> {
    const stem = await this.activeStem(sessionId, stemId);
    await this.deps.prisma.stem.update({ where: { id: stem.id }, data: { name } });
    await this.deps.rooms.edit(sessionId, (d) => {
      const mix = new MixModel(d);
      const ch = mix.channelOfStem(stem.id);
      if (ch) mix.renameChannel(ch.id, name);
    });
  }

  /** Takes the stem's channel out of the mix. Row and blob stay (listed as takes, restorable). */
  async remove(sessionId: string, stemId: string): Promise<void> {
    const stem = await this.activeStem(sessionId, stemId);
    const channelId = await this.deps.rooms.edit(sessionId, (d) => {
      const mix = new MixModel(d);
      const ch = mix.channelOfStem(stem.id);
      if (ch) mix.removeChannel(ch.id);
      return ch?.id ?? stem.channelId;
    });
    await this.deps.prisma.stem.update({ where: { id: stem.id }, data: { retiredAt: new Date(), channelId } });
    this.deps.stemsChanged?.(sessionId);
  }

  /** Every take of the stem's channel, newest first (the active one has retiredAt null). */
  async takes(sessionId: string, stemId: string) {
    const stem = await this.findStem(sessionId, stemId);
    const where = stem.channelId ? { sessionId, channelId: stem.channelId } : { id: stem.id };
    return this.deps.prisma.stem.findMany({ where, orderBy: { createdAt: 'desc' }, omit: { peaks: true } });
  }

  /** Makes an earlier take the channel's stem again (re-adding the channel if it was removed). */
  async restore(sessionId: string, stemId: string): Promise<{ channelId: string }> {
    const { prisma } = this.deps;
    const take = await this.findStem(sessionId, stemId);
    if (!take.retiredAt) return { channelId: take.channelId ?? '' };
    const channelId = take.channelId ?? shortId();
    const current = await prisma.stem.findFirst({ where: { sessionId, channelId, retiredAt: null } });
    await prisma.$transaction([
      prisma.stem.update({ where: { id: take.id }, data: { retiredAt: null, channelId } }),
      ...(current ? [prisma.stem.update({ where: { id: current.id }, data: { retiredAt: new Date() } })] : []),
    ]);
    this.deps.stemsChanged?.(sessionId);
    await this.deps.rooms.edit(sessionId, (d) => {
      const mix = new MixModel(d);
      if (!mix.setChannelStem(channelId, take.id)) mix.addChannel({ id: channelId, name: take.name, stemId: take.id });
    });
    return { channelId };
  }

  private async findStem(sessionId: string, stemId: string) {
    const stem = await this.deps.prisma.stem.findFirst({ where: { id: stemId, sessionId }, omit: { peaks: true } });
    if (!stem) throw notFound(`unknown stem ${stemId} in session ${sessionId}`);
    return stem;
  }

  private async activeStem(sessionId: string, stemId: string) {
    const stem = await this.findStem(sessionId, stemId);
    if (stem.retiredAt) throw new HttpError(409, 'conflict', `stem ${stem.name} is not in the mix any more (replaced or removed); restore it first`);
    return stem;
  }

  /** Copies a stored blob back to `filePath` (written aside, then renamed: never half a file there). */
  private async putBack(sha256: string, filePath: string): Promise<void> {
    if ((await stat(filePath).catch(() => null))?.isFile()) return;
    const aside = `${filePath}.back`;
    await pipeline(await this.deps.blobs.createReadStream(sha256), createWriteStream(aside));
    await rename(aside, filePath);
  }

  private async nextPosition(sessionId: string): Promise<number> {
    const max = await this.deps.prisma.stem.aggregate({ where: { sessionId }, _max: { position: true } });
    return (max._max.position ?? -1) + 1;
  }
}
