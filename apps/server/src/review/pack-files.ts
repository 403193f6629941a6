// The pieces of a delivery pack that are plain bytes or text (pack.ts streams them into the ZIP):
// metadata validation (ISRC), WAV headers carrying BWF `bext` and LIST/INFO, an ID3v2.3 tag for
// the MP3, the loudness report and the changelog of resolved comments. Pure: unit-tested.
import { DELIVERY_TARGETS, platformPlaybackGain } from '@mixroom/engine';
import { normaliseIsrc, type CommentInfo, type LoudnessReport } from '@mixroom/protocol';
import { z } from 'zod';

export { normaliseIsrc };

/** What the user enters for a pack (query string of GET …/pack). */
export const PackMetadata = z.strictObject({
  title: z.string().trim().min(1, 'title is empty').max(200, 'title is longer than 200 characters'),
  artist: z.string().trim().min(1, 'artist is empty').max(200, 'artist is longer than 200 characters'),
  isrc: z.string().max(40).optional().default(''),
});
export type PackMetadata = z.infer<typeof PackMetadata>;

const latin1 = (s: string, max: number) => Buffer.from(s.normalize('NFKD').replace(/[^\x20-\x7e]/g, '?').slice(0, max), 'latin1');

function chunk(id: string, body: Buffer): Buffer {
  const pad = body.length % 2;
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, Buffer.alloc(pad)]);
}

/** BWF `bext` version 2 (EBU Tech 3285) with the loudness fields, and a LIST/INFO with title, artist, ISRC. */
export function metadataChunks(meta: { title: string; artist: string; isrc: string }, loudness: LoudnessReport, at: Date, codingHistory: string): Buffer {
  const bext = Buffer.alloc(602);
  latin1(`${meta.artist} - ${meta.title}`, 256).copy(bext, 0);
  latin1('Mixroom', 32).copy(bext, 256);
  latin1(meta.isrc || 'approved master', 32).copy(bext, 288);
  latin1(at.toISOString().slice(0, 10), 10).copy(bext, 320);
  latin1(at.toISOString().slice(11, 19).replace(/:/g, ':'), 8).copy(bext, 330);
  // TimeReference (8 bytes) stays 0; Version 2; UMID (64 bytes) empty.
  bext.writeUInt16LE(2, 346);
  const centi = (x: number | null) => (x === null || !Number.isFinite(x) ? 0x7fff : Math.max(-32768, Math.min(32767, Math.round(x * 100))));
  bext.writeInt16LE(centi(loudness.integrated), 412); // LoudnessValue, LUFS × 100
  bext.writeInt16LE(centi(loudness.range), 414); // LoudnessRange, LU × 100
  bext.writeInt16LE(centi(loudness.truePeak), 416); // MaxTruePeakLevel, dBTP × 100
  bext.writeInt16LE(0x7fff, 418); // MaxMomentaryLoudness: not measured
  bext.writeInt16LE(0x7fff, 420); // MaxShortTermLoudness: not measured
  const info = [['INAM', meta.title], ['IART', meta.artist], ...(meta.isrc ? [['ISRC', meta.isrc]] : []), ['ISFT', 'Mixroom']]
    .map(([id, v]) => chunk(id, Buffer.concat([latin1(v, 255), Buffer.alloc(1)])));
  return Buffer.concat([chunk('bext', Buffer.concat([bext, latin1(codingHistory, 1024)])), chunk('LIST', Buffer.concat([Buffer.from('INFO'), ...info]))]);
}

/** RIFF/WAVE header up to the data chunk's payload: fmt, the metadata chunks, then `data` of `dataBytes`. */
export function wavHeader(o: { sampleRate: number; channels: number; bitDepth: 16 | 24; frames: number; extra: Buffer }): Buffer {
  const block = (o.channels * o.bitDepth) / 8;
  const dataBytes = o.frames * block;
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0);
  fmt.writeUInt16LE(o.channels, 2);
  fmt.writeUInt32LE(o.sampleRate, 4);
  fmt.writeUInt32LE(o.sampleRate * block, 8);
  fmt.writeUInt16LE(block, 12);
  fmt.writeUInt16LE(o.bitDepth, 14);
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), o.extra]);
  const riffSize = body.length + 8 + dataBytes + (dataBytes % 2);
  if (riffSize > 0xffffffff) throw new Error('the master is too long for a WAV file (over 4 GB)');
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(riffSize, 4);
  const dataHead = Buffer.alloc(8);
  dataHead.write('data', 0, 'latin1');
  dataHead.writeUInt32LE(dataBytes, 4);
  return Buffer.concat([head, body, dataHead]);
}

/** ID3v2.3 tag (title, artist, ISRC as TSRC, encoder) for the start of an MP3. */
export function id3v2Tag(meta: { title: string; artist: string; isrc: string }): Buffer {
  const frame = (id: string, text: string) => {
    // Encoding 1 = UTF-16 with BOM: any title survives.
    const body = Buffer.concat([Buffer.from([1, 0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const head = Buffer.alloc(10);
    head.write(id, 0, 'latin1');
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };
  const frames = Buffer.concat([frame('TIT2', meta.title), frame('TPE1', meta.artist), ...(meta.isrc ? [frame('TSRC', meta.isrc)] : []), frame('TSSE', 'Mixroom (LAME 320 kbps)')]);
  const head = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]);
  const n = frames.length;
  head[6] = (n >> 21) & 0x7f;
  head[7] = (n >> 14) & 0x7f;
  head[8] = (n >> 7) & 0x7f;
  head[9] = n & 0x7f;
  return Buffer.concat([head, frames]);
}

const fmtTime = (s: number) => `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
const fmtDb = (x: number | null, unit: string) => (x === null || !Number.isFinite(x) ? '—' : `${x.toFixed(1)} ${unit}`);

/** Integrated, LRA, true peak and what each platform does to the master on playback. */
export function loudnessReport(loudness: LoudnessReport) {
  const platforms = DELIVERY_TARGETS.map((t) => {
    const g = loudness.integrated === null ? null : platformPlaybackGain({ integrated: loudness.integrated, truePeak: loudness.truePeak ?? -Infinity }, t);
    return { id: t.id, label: t.label, targetLufs: t.integratedLufs, ceilingDbtp: t.truePeakCeilingDbtp, playbackGainDb: g ? Math.round(g.gainDb * 100) / 100 : null };
  });
  return { integratedLufs: loudness.integrated, loudnessRangeLu: loudness.range, truePeakDbtp: loudness.truePeak, samplePeakDbfs: loudness.samplePeak, platforms };
}

export function loudnessReportText(title: string, report: ReturnType<typeof loudnessReport>): string {
  const lines = [
    `Loudness report — ${title}`,
    '',
    `Integrated loudness: ${fmtDb(report.integratedLufs, 'LUFS')}`,
    `Loudness range:      ${fmtDb(report.loudnessRangeLu, 'LU')}`,
    `True peak:           ${fmtDb(report.truePeakDbtp, 'dBTP')}`,
    '',
    'On each platform (playback gain the platform applies):',
    ...report.platforms.map((p) => `  ${p.label.padEnd(22)} target ${p.targetLufs} LUFS: ${p.playbackGainDb === null ? '—' : `${p.playbackGainDb > 0 ? '+' : ''}${p.playbackGainDb.toFixed(1)} dB`}`),
    '',
  ];
  return lines.join('\n');
}

/** The resolved comment threads, in time order, as a changelog. */
export function changelog(title: string, comments: CommentInfo[], versionNumbers: ReadonlyMap<string, number>): string {
  const resolved = comments.filter((c) => !c.parentId && !c.deletedAt && c.resolvedAt).sort((a, b) => a.atSec - b.atSec);
  const lines = [`Changelog — ${title}`, `${resolved.length} resolved comment${resolved.length === 1 ? '' : 's'}`, ''];
  for (const c of resolved) {
    const where = c.endSec !== null ? `${fmtTime(c.atSec)}–${fmtTime(c.endSec)}` : fmtTime(c.atSec);
    const on = c.versionId && versionNumbers.has(c.versionId) ? ` (on v${versionNumbers.get(c.versionId)})` : '';
    lines.push(`- ${where}${on} ${c.authorName}: ${c.body.replace(/\s+/g, ' ')} — resolved ${c.resolvedAt!.slice(0, 10)}`);
    for (const r of comments.filter((x) => x.parentId === c.id && !x.deletedAt)) lines.push(`    ${r.authorName}: ${r.body.replace(/\s+/g, ' ')}`);
  }
  return `${lines.join('\n')}\n`;
}
