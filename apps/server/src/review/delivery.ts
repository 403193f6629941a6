// FLAC and MP3 of a version's master, made once and kept: content-addressed in the blob store and
// recorded in derived_blob (source hash + format → hash, and what the encode did), so every server
// process, and a restarted one, serves the first encode instead of repeating it; within a process
// concurrent requests share one encode. While an encode runs, its progress goes to the session's
// review room (REVIEW_EVENTS.delivery), so the download shows "Encoding MP3… 40 %" instead of nothing.
//
// The MP3 must decode with its true peak at or under the session's delivery-target ceiling
// (mp3.ts: decoded and measured, turned down if needed); the gain it took is recorded and sent
// with the file (X-Delivery-* headers), in the version's info and in the loudness report.
import { decodeWav, DEFAULT_DELIVERY_TARGET, FlacEncoder, getDeliveryTarget, mixStateFromUpdate, type DeliveryTargetId } from '@mixroom/engine';
import type { DeliveryInfo, DeliveryProgress } from '@mixroom/protocol';
import { currentMixState, type ReviewDeps } from './context.js';
import { deliverMp3, MP3_KBPS } from './mp3.js';

export type DeliveryFormat = 'flac' | 'mp3';
export interface MadeDelivery { hash: string; info: DeliveryInfo }

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** FLAC frames (4096 samples each) encoded between two turns of the event loop: ~2.7 s of 48 kHz audio. */
const FLAC_FRAMES_PER_SLICE = 32;

/** "−1 dBTP" with a real minus sign, as people read it. */
const dbtp = (x: number) => `${x.toFixed(1).replace('-', '−')} dBTP`;

export function mp3Note(info: Pick<DeliveryInfo, 'gainDb' | 'ceilingDbtp'>): string {
  const ceiling = dbtp(info.ceilingDbtp ?? -1);
  return info.gainDb < 0
    ? `MP3 turned down ${Math.abs(info.gainDb).toFixed(2)} dB so its decoded peaks stay under ${ceiling}`
    : `MP3 at the master's level; its decoded peaks stay under ${ceiling}`;
}

/** What an encode did, as HTTP headers of the download (plain ASCII). */
export function deliveryHeaders(info: DeliveryInfo): Record<string, string> {
  const h: Record<string, string> = { 'X-Delivery-Gain-Db': info.gainDb.toFixed(2) };
  if (info.ceilingDbtp !== null) h['X-Delivery-Ceiling-Dbtp'] = info.ceilingDbtp.toFixed(1);
  if (info.decodedTruePeakDbtp !== null) h['X-Delivery-Decoded-True-Peak-Dbtp'] = info.decodedTruePeakDbtp.toFixed(2);
  h['X-Delivery-Note'] = info.note.replace(/−/g, '-').replace(/[^\x20-\x7e]/g, '');
  return h;
}

/** Int32 samples of float channels, converted a slice at a time so the event loop keeps turning. */
async function toIntSlowly(channels: Float32Array[], bits: 16 | 24): Promise<Int32Array[]> {
  const scale = 2 ** (bits - 1);
  const out = channels.map((c) => new Int32Array(c.length));
  const slice = 1 << 18;
  for (let c = 0; c < channels.length; c++) {
    const src = channels[c], dst = out[c];
    for (let start = 0; start < src.length; start += slice) {
      const end = Math.min(src.length, start + slice);
      for (let i = start; i < end; i++) {
        const v = Math.round(src[i] * scale);
        dst[i] = v >= scale ? scale - 1 : v < -scale ? -scale : v;
      }
      await yieldToLoop();
    }
  }
  return out;
}

export class Deliveries {
  /** Encodes in progress in this process, so concurrent downloads wait for one encode. */
  private readonly running = new Map<string, Promise<MadeDelivery>>();

  constructor(private readonly deps: ReviewDeps) {}

  /** The true-peak ceiling a lossy file of this version must meet: its mix's delivery target, else the session's now. */
  async ceilingFor(sessionId: string, versionId: string): Promise<number> {
    let target: DeliveryTargetId | null = null;
    const row = await this.deps.prisma.version.findFirst({ where: { id: versionId, sessionId }, select: { mixState: true } });
    try {
      if (row?.mixState) target = mixStateFromUpdate(row.mixState).deliveryTarget;
      if (!target) target = mixStateFromUpdate((await currentMixState(this.deps, sessionId)).state).deliveryTarget;
    } catch {
      target = null;
    }
    try {
      return getDeliveryTarget(target ?? DEFAULT_DELIVERY_TARGET).truePeakCeilingDbtp;
    } catch {
      return getDeliveryTarget(DEFAULT_DELIVERY_TARGET).truePeakCeilingDbtp;
    }
  }

  /** The `format` file of version `v`: the recorded one if it still fits, else made now (once). */
  async get(sessionId: string, v: { id: string; number: number; fileHash: string }, format: DeliveryFormat): Promise<MadeDelivery> {
    const ceiling = format === 'mp3' ? await this.ceilingFor(sessionId, v.id) : null;
    const key = `${format}:${v.fileHash}:${ceiling}`;
    let pending = this.running.get(key);
    if (!pending) {
      pending = this.findOrMake(sessionId, v, format, ceiling);
      this.running.set(key, pending);
      const forget = () => this.running.delete(key);
      pending.then(forget, forget);
    }
    return pending;
  }

  private async findOrMake(sessionId: string, v: { id: string; number: number; fileHash: string }, format: DeliveryFormat, ceiling: number | null): Promise<MadeDelivery> {
    const { prisma, blobs, broadcaster } = this.deps;
    const where = { sourceHash_format: { sourceHash: v.fileHash, format } };
    const known = await prisma.derivedBlob.findUnique({ where, select: { hash: true, info: true } });
    const knownInfo = known?.info as DeliveryInfo | null | undefined;
    // An MP3 made before its peaks were checked, or for another ceiling, is made again.
    const fits = known && (format === 'flac' || (knownInfo && knownInfo.ceilingDbtp === ceiling));
    if (known && fits && (await blobs.has(known.hash))) {
      return { hash: known.hash, info: knownInfo ?? { format, ceilingDbtp: null, gainDb: 0, decodedTruePeakDbtp: null, note: 'FLAC, lossless' } };
    }
    let lastSent = -1;
    const progress = (stage: DeliveryProgress['stage'], fraction: number, gainDb: number, extra: Partial<DeliveryProgress> = {}) => {
      // Every 2 % is plenty for a progress bar; stage changes always go out.
      if (stage === 'encoding' && fraction < 1 && lastSent >= 0 && fraction - lastSent < 0.02 && fraction >= lastSent) return;
      lastSent = stage === 'encoding' ? fraction : -1;
      broadcaster.delivery(sessionId, { versionId: v.id, format, stage, fraction: Math.round(fraction * 1000) / 1000, gainDb, ...extra });
    };
    try {
      progress('encoding', 0, 0);
      const made = format === 'flac' ? await this.makeFlac(v.fileHash, progress) : await this.makeMp3(v.fileHash, ceiling!, progress);
      await prisma.derivedBlob.upsert({
        where,
        create: { sourceHash: v.fileHash, format, hash: made.hash, info: made.info as never },
        update: { hash: made.hash, info: made.info as never },
      });
      progress('ready', 1, made.info.gainDb, { info: made.info });
      return made;
    } catch (err) {
      progress('failed', 0, 0, { error: (err as Error).message });
      throw err;
    }
  }

  private async decodeStored(fileHash: string) {
    const chunks: Buffer[] = [];
    for await (const c of await this.deps.blobs.createReadStream(fileHash)) chunks.push(c as Buffer);
    return decodeWav(new Uint8Array(Buffer.concat(chunks)));
  }

  /** FLAC is integer PCM: 16-bit sources stay 16-bit (exact), everything else is delivered at 24 bits. */
  private async makeFlac(fileHash: string, progress: (stage: 'encoding', f: number, g: number) => void): Promise<MadeDelivery> {
    const wav = await this.decodeStored(fileHash);
    const bits = wav.format === 'pcm' && wav.bitDepth <= 16 ? 16 : 24;
    const encoder = new FlacEncoder({ sampleRate: wav.sampleRate, bitsPerSample: bits, channels: await toIntSlowly(wav.channels, bits) });
    async function* slices(): AsyncGenerator<Uint8Array> {
      yield encoder.header();
      while (!encoder.done) {
        yield encoder.encodeFrames(FLAC_FRAMES_PER_SLICE);
        progress('encoding', encoder.position / encoder.totalSamples, 0);
        await yieldToLoop();
      }
    }
    const blob = await this.deps.blobs.put(slices());
    return { hash: blob.sha256, info: { format: 'flac', ceilingDbtp: null, gainDb: 0, decodedTruePeakDbtp: null, note: `FLAC, lossless, ${bits}-bit` } };
  }

  private async makeMp3(fileHash: string, ceilingDbtp: number, progress: (stage: DeliveryProgress['stage'], f: number, g: number) => void): Promise<MadeDelivery> {
    const wav = await this.decodeStored(fileHash);
    const made = await deliverMp3(wav, { ceilingDbtp, kbps: MP3_KBPS, onProgress: (stage, f, g) => progress(stage, f, g) });
    const blob = await this.deps.blobs.put(
      (async function* () {
        yield* made.chunks;
      })(),
    );
    const info: DeliveryInfo = { format: 'mp3', ceilingDbtp, gainDb: made.gainDb, decodedTruePeakDbtp: made.decodedTruePeakDbtp, note: '' };
    info.note = mp3Note(info);
    return { hash: blob.sha256, info };
  }
}
