// Comments out to the DAW and back (issue 21): Reaper's marker/region list (CSV, as the Region/
// Marker Manager exports and imports it), Audacity's label track (tab-separated seconds), a
// standard MIDI file with marker meta events, and cue points in a WAV (`cue ` + LIST/adtl with
// `labl` names and `ltxt` lengths for ranges). Parsing back Reaper and Audacity lists. Pure.

export interface Marker {
  atSec: number;
  endSec: number | null;
  text: string;
}

/** One line of text per marker: authors and bodies as people read them in a DAW. */
export const markerText = (author: string, body: string) => `${author}: ${body.replace(/\s+/g, ' ').trim()}`.slice(0, 500);

const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;
/** Reaper's "Minutes:Seconds" time format: m:ss.mmm. */
const reaperTime = (s: number) => `${Math.floor(s / 60)}:${(s % 60).toFixed(3).padStart(6, '0')}`;

export function reaperCsv(markers: Marker[]): string {
  let m = 0, r = 0;
  const rows = markers.map((x) => (x.endSec === null
    ? `M${++m},${csvCell(x.text)},${reaperTime(x.atSec)},,`
    : `R${++r},${csvCell(x.text)},${reaperTime(x.atSec)},${reaperTime(x.endSec)},${reaperTime(x.endSec - x.atSec)}`));
  return `#,Name,Start,End,Length\n${rows.join('\n')}\n`;
}

export function audacityLabels(markers: Marker[]): string {
  return markers.map((x) => `${x.atSec.toFixed(6)}\t${(x.endSec ?? x.atSec).toFixed(6)}\t${x.text.replace(/[\t\n]/g, ' ')}`).join('\n') + '\n';
}

/** MIDI ticks per second of the file below (480 per quarter at 120 bpm). */
export const MIDI_TICKS_PER_SECOND = 960;

function vlq(n: number): number[] {
  const out = [n & 0x7f];
  while ((n >>= 7) > 0) out.unshift((n & 0x7f) | 0x80);
  return out;
}

/** Format-0 SMF, 480 ticks per quarter, 120 bpm: a marker (FF 06) per comment start; ranges say their end. */
export function midiMarkers(markers: Marker[], title: string): Uint8Array {
  const events: number[] = [];
  const meta = (delta: number, type: number, data: number[]) => events.push(...vlq(delta), 0xff, type, ...vlq(data.length), ...data);
  const text = (s: string) => [...Buffer.from(s, 'utf8')];
  meta(0, 0x03, text(title)); // track name
  meta(0, 0x51, [0x07, 0xa1, 0x20]); // 500,000 µs per quarter = 120 bpm
  let last = 0;
  for (const x of [...markers].sort((a, b) => a.atSec - b.atSec)) {
    const tick = Math.round(x.atSec * MIDI_TICKS_PER_SECOND);
    const label = x.endSec === null ? x.text : `${x.text} [until ${x.endSec.toFixed(3)} s]`;
    meta(tick - last, 0x06, text(label));
    last = tick;
  }
  meta(0, 0x2f, []);
  const head = Buffer.alloc(14);
  head.write('MThd', 0, 'latin1');
  head.writeUInt32BE(6, 4);
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(1, 10);
  head.writeUInt16BE(480, 12);
  const trackHead = Buffer.alloc(8);
  trackHead.write('MTrk', 0, 'latin1');
  trackHead.writeUInt32BE(events.length, 4);
  return Buffer.concat([head, trackHead, Buffer.from(events)]);
}

function riffChunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

/** `cue ` and LIST/adtl chunks (labl per cue, ltxt with the length of ranges) for a WAV at `sampleRate`. */
export function cueChunks(markers: Marker[], sampleRate: number): Buffer {
  const cue = Buffer.alloc(4 + 24 * markers.length);
  cue.writeUInt32LE(markers.length, 0);
  const adtl: Buffer[] = [Buffer.from('adtl')];
  // Every `labl` first, the ranges' `ltxt` after them: ffmpeg stops reading names at an `ltxt`.
  const ranges: Buffer[] = [];
  markers.forEach((x, i) => {
    const id = i + 1;
    const frame = Math.round(x.atSec * sampleRate);
    const o = 4 + 24 * i;
    cue.writeUInt32LE(id, o);
    cue.writeUInt32LE(frame, o + 4); // position
    cue.write('data', o + 8, 'latin1');
    cue.writeUInt32LE(0, o + 12); // chunk start
    cue.writeUInt32LE(0, o + 16); // block start
    cue.writeUInt32LE(frame, o + 20); // sample offset
    // Zero-terminated and of even size, so no reader has to honour a pad byte after it.
    const text = Buffer.from(x.text, 'utf8');
    const name = Buffer.concat([text, Buffer.alloc(text.length % 2 === 0 ? 2 : 1)]);
    const labl = Buffer.alloc(4);
    labl.writeUInt32LE(id, 0);
    adtl.push(riffChunk('labl', Buffer.concat([labl, name])));
    if (x.endSec !== null) {
      const ltxt = Buffer.alloc(20);
      ltxt.writeUInt32LE(id, 0);
      ltxt.writeUInt32LE(Math.round((x.endSec - x.atSec) * sampleRate), 4);
      ltxt.write('rgn ', 8, 'latin1');
      ranges.push(riffChunk('ltxt', ltxt));
    }
  });
  return Buffer.concat([riffChunk('cue ', cue), riffChunk('LIST', Buffer.concat([...adtl, ...ranges]))]);
}

/** A WAV file with cue chunks inserted before its data chunk (the RIFF size follows). */
export function withCues(wav: Uint8Array, markers: Marker[]): Buffer {
  const b = Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let p = 12;
  let rate = 0;
  while (p + 8 <= b.length) {
    const id = b.toString('latin1', p, p + 4);
    const size = b.readUInt32LE(p + 4);
    if (id === 'fmt ') rate = b.readUInt32LE(p + 12);
    if (id === 'data') {
      if (!rate) throw new Error('WAV has no fmt chunk before its data');
      const out = Buffer.concat([b.subarray(0, p), cueChunks(markers, rate), b.subarray(p)]);
      out.writeUInt32LE(out.length - 8, 4);
      return out;
    }
    p += 8 + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}

const plainError = (line: number, what: string) => new Error(`line ${line}: ${what}`);

/** Seconds from "83.5", "1:23.500" or "0:01:23.500" (Reaper's seconds and minutes:seconds formats). */
function parseTime(s: string, line: number): number {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const m = /^(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d+)?)$/.exec(t);
  if (!m) throw plainError(line, `"${t.slice(0, 30)}" is not a time (use seconds or m:ss.mmm; set Reaper's time format to Minutes:Seconds before exporting)`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

function csvRow(line: string): string[] {
  const cells: string[] = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cur); cur = ''; } else cur += ch;
  }
  cells.push(cur);
  return cells;
}

/** Markers from a Reaper marker/region CSV or an Audacity label file (detected by content). */
export function parseMarkerList(text: string): { format: 'reaper' | 'audacity'; markers: Marker[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const markers: Marker[] = [];
  if (/^#,/.test(lines[0] ?? '')) {
    lines.slice(1).forEach((raw, i) => {
      if (!raw.trim()) return;
      const [id, name = '', start = '', end = ''] = csvRow(raw);
      if (!/^[MR]\d+$/i.test(id.trim())) throw plainError(i + 2, `"${id.slice(0, 20)}" is not a Reaper marker (M1) or region (R1) number`);
      const atSec = parseTime(start, i + 2);
      const endSec = /^R/i.test(id.trim()) && end.trim() ? parseTime(end, i + 2) : null;
      markers.push({ atSec, endSec, text: name.trim() || `Marker ${id.trim()}` });
    });
    return { format: 'reaper', markers };
  }
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    // Audacity writes a second "\t<low freq>\t<high freq>" line under spectral labels: skip it.
    if (raw.startsWith('\\')) return;
    const cells = raw.split('\t');
    if (cells.length < 2) throw plainError(i + 1, 'not a marker list: expected a Reaper CSV ("#,Name,Start,End,Length") or Audacity labels ("start<TAB>end<TAB>text")');
    const atSec = parseTime(cells[0], i + 1);
    const end = parseTime(cells[1], i + 1);
    markers.push({ atSec, endSec: end > atSec ? end : null, text: (cells[2] ?? '').trim() || `Label ${markers.length + 1}` });
  });
  return { format: 'audacity', markers };
}
