// The delivery pack of an approved version (issue 21): one ZIP, streamed as it is made, with the
// master as 24-bit WAV at the session's rate and as 16-bit/44.1 kHz (engine resampler + TPDF
// dither), the 320 kbps MP3 (the delivery encoder, its decoded peaks under the ceiling), the
// loudness report (JSON + text), the resolved comments as a changelog and a SHA-256 manifest;
// title/artist/ISRC are written into the WAVs (BWF bext + LIST/INFO) and the MP3 (ID3v2.3).
// The manifest (every file's SHA-256 and the archive's) is recorded with the approval.
import { decodeWav, StreamingResampler } from '@mixroom/engine';
import type { LoudnessReport } from '@mixroom/protocol';
import { HttpError } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { parseSessionId } from '../http/sessions.js';
import { toCommentInfo } from './comments.js';
import { parseWith, type ReviewDeps } from './context.js';
import type { Deliveries } from './delivery.js';
import { changelog, id3v2Tag, loudnessReport, loudnessReportText, metadataChunks, normaliseIsrc, PackMetadata, wavHeader } from './pack-files.js';
import { findVersion, type VersionViews } from './versions.js';
import { ZipStream } from './zip-stream.js';

const BLOCK = 16384;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const slug = (s: string) => s.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'master';

/** Frames a resample of `frames` at `from` to `to` yields in all (StreamingResampler's contract). */
export const resampledFrames = (frames: number, from: number, to: number) => (from === to ? frames : Math.ceil((frames * to) / from));

/**
 * Interleaved little-endian PCM of `channels` at `toRate`, `bits` deep, a block at a time.
 * `dither`: TPDF of ±1 LSB (seeded: the same master gives the same bytes); without it, plain
 * rounding (exact for sources already at this depth or less).
 */
export async function* pcmBlocks(channels: Float32Array[], fromRate: number, toRate: number, bits: 16 | 24, dither: boolean): AsyncGenerator<Buffer> {
  const scale = 2 ** (bits - 1);
  const bytes = bits / 8;
  const resamplers = fromRate === toRate ? null : channels.map(() => new StreamingResampler(fromRate, toRate));
  const outs = channels.map(() => new Float32Array(resamplers ? resamplers[0].maxOutputFrames(BLOCK) + resamplers[0].flushFrames : BLOCK));
  let seed = 0x2545f491;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const emit = (n: number): Buffer => {
    const buf = Buffer.alloc(n * channels.length * bytes);
    let p = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < channels.length; c++) {
        let v = Math.round(outs[c][i] * scale + (dither ? rnd() - rnd() : 0));
        v = v >= scale ? scale - 1 : v < -scale ? -scale : v;
        if (bits === 16) buf.writeInt16LE(v, p);
        else buf.writeIntLE(v, p, 3);
        p += bytes;
      }
    }
    return buf;
  };
  const total = channels[0]?.length ?? 0;
  for (let start = 0; start < total; start += BLOCK) {
    const n = Math.min(BLOCK, total - start);
    let made = n;
    for (let c = 0; c < channels.length; c++) {
      const block = channels[c].subarray(start, start + n);
      if (resamplers) made = resamplers[c].process(block, n, outs[c]);
      else outs[c].set(block);
    }
    if (made > 0) yield emit(made);
    await yieldToLoop();
  }
  if (resamplers) {
    let made = 0;
    for (let c = 0; c < channels.length; c++) made = resamplers[c].flush(outs[c]);
    if (made > 0) yield emit(made);
  }
}

/** The rate most of the session's stems have (what the session plays at), else the version's. */
async function sessionRate(deps: ReviewDeps, sessionId: string, fallback: number): Promise<number> {
  const rates = await deps.prisma.stem.groupBy({ by: ['sampleRate'], where: { sessionId }, _count: { _all: true } });
  rates.sort((a, b) => b._count._all - a._count._all || b.sampleRate - a.sampleRate);
  return rates[0]?.sampleRate ?? fallback;
}

export function registerPackRoutes(router: Router, deps: ReviewDeps, views: VersionViews, deliveries: Deliveries): void {
  const { prisma, access, blobs } = deps;

  router.on('GET', '/api/sessions/:id/versions/:versionId/pack', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const input = parseWith(PackMetadata, Object.fromEntries(q.entries()));
    let isrc = '';
    if (input.isrc.trim()) {
      try {
        isrc = normaliseIsrc(input.isrc);
      } catch (e) {
        throw new HttpError(400, 'bad_request', (e as Error).message);
      }
    }
    const meta = { title: input.title, artist: input.artist, isrc };
    const v = await findVersion(deps, sessionId, params.versionId);
    if (v.status !== 'approved') throw new HttpError(409, 'conflict', `v${v.number} is not approved: a delivery pack is made only from an approved version`);
    const approval = await prisma.approval.findFirst({ where: { versionId: v.id, decision: 'approve' } });
    if (!approval) throw new HttpError(409, 'conflict', `v${v.number} has no recorded approval`);
    // Everything that can fail is done before the first byte of the ZIP goes out.
    const mp3 = await deliveries.get(sessionId, v, 'mp3');
    const chunks: Buffer[] = [];
    for await (const c of await blobs.createReadStream(v.fileHash)) chunks.push(c as Buffer);
    const wav = decodeWav(new Uint8Array(Buffer.concat(chunks)));
    chunks.length = 0;
    const rate = await sessionRate(deps, sessionId, wav.sampleRate);
    const info = await views.one(sessionId, v.id);
    const loudness: LoudnessReport = info.loudness;
    const rows = await prisma.comment.findMany({ where: { sessionId }, omit: { mixState: true } });
    const versionNumbers = new Map((await prisma.version.findMany({ where: { sessionId }, select: { id: true, number: true } })).map((x) => [x.id, x.number]));
    const report = { title: meta.title, artist: meta.artist, isrc: meta.isrc || null, version: v.number, approvedBy: approval.byName, approvedAt: approval.at.toISOString(), sourceSha256: v.fileHash, ...loudnessReport(loudness) };

    const base = `${slug(meta.artist)}-${slug(meta.title)}`;
    const frames = wav.channels[0]?.length ?? 0;
    const exact24 = wav.format === 'pcm' && wav.bitDepth <= 24 && wav.sampleRate === rate;
    const hi = { name: `${base}-${rate / 1000}kHz-24bit.wav`, rate, bits: 24 as const, history: `A=PCM,F=${rate},W=24,M=${wav.channels.length === 1 ? 'mono' : 'stereo'},T=Mixroom approved v${v.number}${exact24 ? '' : ';TPDF dither'}` };
    const cd = { name: `${base}-44.1kHz-16bit.wav`, rate: 44100, bits: 16 as const, history: `A=PCM,F=44100,W=16,M=${wav.channels.length === 1 ? 'mono' : 'stereo'},T=Mixroom resampler;TPDF dither` };

    res.writeHead(200, {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${base}-v${v.number}-delivery.zip"`,
      'X-Source-Sha256': v.fileHash,
    });
    const write = (chunk: Buffer) =>
      new Promise<void>((resolve, reject) => {
        if (res.destroyed) return reject(new Error('the download was cancelled'));
        if (res.write(chunk)) return resolve();
        const done = () => { res.off('close', gone); resolve(); };
        const gone = () => { res.off('drain', done); reject(new Error('the download was cancelled')); };
        res.once('drain', done);
        res.once('close', gone);
      });
    const zip = new ZipStream(write, approval.at);
    const made: Array<{ name: string; sha256: string }> = [];
    try {
      for (const f of [hi, cd]) {
        const extra = metadataChunks(meta, loudness, approval.at, f.history);
        const header = wavHeader({ sampleRate: f.rate, channels: wav.channels.length, bitDepth: f.bits, frames: resampledFrames(frames, wav.sampleRate, f.rate), extra });
        const odd = (resampledFrames(frames, wav.sampleRate, f.rate) * wav.channels.length * (f.bits / 8)) % 2;
        made.push(await zip.add(f.name, (async function* () {
          yield header;
          yield* pcmBlocks(wav.channels, wav.sampleRate, f.rate, f.bits, f === cd || !exact24);
          if (odd) yield Buffer.alloc(1);
        })()));
      }
      made.push(await zip.add(`${base}-320kbps.mp3`, (async function* () {
        yield id3v2Tag(meta);
        for await (const c of await blobs.createReadStream(mp3.hash)) yield c as Buffer;
      })()));
      made.push(await zip.add('loudness-report.json', `${JSON.stringify(report, null, 2)}\n`));
      made.push(await zip.add('loudness-report.txt', loudnessReportText(`${meta.artist} — ${meta.title} (v${v.number})`, report)));
      made.push(await zip.add('changelog.txt', changelog(`${meta.artist} — ${meta.title}`, rows.map(toCommentInfo), versionNumbers)));
      // sha256sum's format: `sha256sum -c MANIFEST.sha256` checks the unpacked files.
      await zip.add('MANIFEST.sha256', made.map((m) => `${m.sha256}  ${m.name}\n`).join(''));
    } catch (err) {
      deps.logger.warn(`delivery pack of v${v.number} stopped: ${(err as Error).message}`);
      res.destroy();
      return;
    }
    const result = await zip.finish().catch((err: Error) => {
      deps.logger.warn(`delivery pack of v${v.number} stopped: ${err.message}`);
      res.destroy();
      return null;
    });
    if (!result) return;
    res.end();
    const manifest = { at: new Date().toISOString(), metadata: meta, zipSha256: result.sha256, zipBytes: result.bytes, files: result.entries.filter((e) => e.name !== 'MANIFEST.sha256') };
    await prisma.approval.update({ where: { id: approval.id }, data: { packManifest: manifest as never } });
  });
}
