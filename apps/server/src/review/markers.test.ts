// Comments out to the DAW and back: each export read by an independent reader (ffprobe for the
// WAV's cue points, a small MIDI parser written here from the SMF spec, line splitting for the
// Reaper and Audacity lists) lists every comment at its time; imports create comments, for
// members only, and bad lists are refused in plain words.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeWav } from '@mixroom/engine';
import { reviewUrls, type CommentInfo, type VersionInfo } from '@mixroom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, databaseKinds, startServer } from '../test-support.js';
import { parseMarkerList, reaperCsv } from './markers.js';
import { anonymous, asUser, type UserClient } from './test-clients.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mixroom-markers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Marker meta events (FF 06) of a format-0/1 SMF with their times in seconds, read from the bytes. */
function readMidiMarkers(b: Buffer): Array<{ sec: number; text: string }> {
  expect(b.toString('latin1', 0, 4)).toBe('MThd');
  const division = b.readUInt16BE(12);
  let p = 8 + b.readUInt32BE(4);
  expect(b.toString('latin1', p, p + 4)).toBe('MTrk');
  const end = p + 8 + b.readUInt32BE(p + 4);
  p += 8;
  const vlq = () => {
    let n = 0;
    for (;;) {
      const x = b[p++];
      n = (n << 7) | (x & 0x7f);
      if (!(x & 0x80)) return n;
    }
  };
  let ticks = 0;
  let usPerQuarter = 500000;
  const out: Array<{ sec: number; text: string }> = [];
  let seconds = 0;
  while (p < end) {
    const delta = vlq();
    seconds += (delta * usPerQuarter) / division / 1e6;
    ticks += delta;
    expect(b[p++]).toBe(0xff); // only meta events in this file
    const type = b[p++];
    const len = vlq();
    const data = b.subarray(p, p + len);
    p += len;
    if (type === 0x51) usPerQuarter = data.readUIntBE(0, 3);
    if (type === 0x06) out.push({ sec: seconds, text: data.toString('utf8') });
    if (type === 0x2f) break;
  }
  void ticks;
  return out;
}

describe('marker lists', () => {
  it('reads back what it writes, and Audacity labels; refuses other text in plain words', () => {
    const markers = [{ atSec: 1.5, endSec: null, text: 'Ana: kick, "boomy"' }, { atSec: 62.25, endSec: 70, text: 'Bo: chorus' }];
    expect(reaperCsv(markers)).toBe('#,Name,Start,End,Length\nM1,"Ana: kick, ""boomy""",0:01.500,,\nR1,"Bo: chorus",1:02.250,1:10.000,0:07.750\n');
    expect(parseMarkerList(reaperCsv(markers))).toEqual({ format: 'reaper', markers });
    expect(parseMarkerList('1.000000\t1.000000\tsnare\n2.5\t4\tbridge\n\\\t100\t2000\n')).toEqual({ format: 'audacity', markers: [{ atSec: 1, endSec: null, text: 'snare' }, { atSec: 2.5, endSec: 4, text: 'bridge' }] });
    expect(parseMarkerList('#,Name,Start,End,Length\nM1,intro,83.5,,\n').markers[0].atSec).toBe(83.5);
    expect(() => parseMarkerList('hello world')).toThrow(/line 1: not a marker list: expected a Reaper CSV/);
    expect(() => parseMarkerList('#,Name,Start,End,Length\nM1,x,1.2.3.00,,')).toThrow(/line 2: "1\.2\.3\.00" is not a time/);
  });
});

const kind = databaseKinds[0];
describe(`comments as DAW markers over ${kind.name}`, () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let cleanup: () => Promise<void>;
  let sessionId: string;
  let engineer: UserClient, viewer: UserClient, outsider: UserClient;
  let v: VersionInfo;
  const urls = () => reviewUrls(sessionId);

  beforeAll(async () => {
    const database = await kind.create();
    cleanup = database.cleanup;
    s = await startServer(database.config);
    sessionId = await createSession(s, 'Night Drive');
    const other = await createSession(s, 'Elsewhere');
    await s.server.db.prisma.stem.create({ data: { id: 'mk-stem', sessionId, name: 'Bass', fileHash: 'a'.repeat(64), fileName: 'b.wav', mimeType: 'audio/wav', sizeBytes: 1, sampleRate: 48000, channels: 2, durationSec: 60 } });
    engineer = await asUser(s, 'engineer', 'eddie', [sessionId]);
    viewer = await asUser(s, 'viewer', 'vic', [sessionId]);
    outsider = await asUser(s, 'owner', 'otto', [other]);
    const sr = 48000;
    const up = await engineer.fetch(`${urls().versions}?source=upload`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.from(encodeWav([new Float32Array(sr * 4).fill(0.1), new Float32Array(sr * 4).fill(0.1)], sr, { bitDepth: 16, dither: 'none' })) });
    v = (await up.json()) as VersionInfo;
    await engineer.json(urls().comments, { body: { body: 'kick too boomy', atSec: 0.5 } });
    await viewer.json(urls().comments, { body: { body: 'chorus lift', atSec: 1.25, endSec: 3 } });
    await viewer.json(urls().comments, { body: { body: 'on v1 only', atSec: 2, versionId: v.id } });
  });
  afterAll(async () => {
    await s?.server.close();
    await cleanup?.();
  });

  const expected = [{ sec: 0.5, text: 'Eddie: kick too boomy' }, { sec: 1.25, text: 'Vic: chorus lift' }, { sec: 2, text: 'Vic: on v1 only' }];

  it('exports a Reaper list, Audacity labels and a MIDI file with every comment at its time', async () => {
    const reaper = await viewer.fetch(`/api/sessions/${sessionId}/comments/export?format=reaper`);
    expect(reaper.headers.get('content-disposition')).toMatch(/Night-Drive-comments\.csv/);
    const lines = (await reaper.text()).trim().split('\n');
    expect(lines).toEqual(['#,Name,Start,End,Length', 'M1,"Eddie: kick too boomy",0:00.500,,', 'R1,"Vic: chorus lift",0:01.250,0:03.000,0:01.750', 'M2,"Vic: on v1 only",0:02.000,,']);
    const labels = (await (await viewer.fetch(`/api/sessions/${sessionId}/comments/export?format=audacity`)).text()).trim().split('\n').map((l) => l.split('\t'));
    expect(labels).toEqual([['0.500000', '0.500000', 'Eddie: kick too boomy'], ['1.250000', '3.000000', 'Vic: chorus lift'], ['2.000000', '2.000000', 'Vic: on v1 only']]);
    const midi = Buffer.from(await (await viewer.fetch(`/api/sessions/${sessionId}/comments/export?format=midi`)).arrayBuffer());
    const read = readMidiMarkers(midi);
    expect(read.map((m) => m.text)).toEqual(['Eddie: kick too boomy', 'Vic: chorus lift [until 3.000 s]', 'Vic: on v1 only']);
    read.forEach((m, i) => expect(m.sec).toBeCloseTo(expected[i].sec, 3));
    const bad = await viewer.fetch(`/api/sessions/${sessionId}/comments/export?format=cubase`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('unknown marker format "cubase": use reaper, audacity or midi');
    expect((await outsider.fetch(`/api/sessions/${sessionId}/comments/export?format=reaper`)).status).toBe(404);
    expect((await anonymous(s.url).fetch(`/api/sessions/${sessionId}/comments/export?format=reaper`)).status).toBe(401);
  });

  it('writes the comments into the WAV as cue points that ffprobe and sox read', async () => {
    const res = await viewer.fetch(`/api/sessions/${sessionId}/versions/${v.id}/cues`);
    expect(res.status).toBe(200);
    const file = path.join(tmp, 'cues.wav');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_chapters', '-show_streams', '-of', 'json', file], { encoding: 'utf8' })) as { chapters: Array<{ start_time: string; tags: { title: string } }>; streams: Array<{ duration: string }> };
    expect(probe.chapters.map((c) => [Number(c.start_time), c.tags.title])).toEqual(expected.map((e) => [e.sec, e.text]));
    expect(Number(probe.streams[0].duration)).toBeCloseTo(4, 3);
    expect(execFileSync('soxi', ['-D', file], { encoding: 'utf8' }).trim()).toBe('4.000000');
  });

  it('imports a Reaper list and Audacity labels as comments, for members only', async () => {
    const csv = '#,Name,Start,End,Length\nM1,"Snare, too bright",0:10.000,,\nR1,Verse 2,0:20.500,0:30.000,0:09.500\n';
    const res = await viewer.json<{ format: string; comments: CommentInfo[] }>(`/api/sessions/${sessionId}/comments/import`, { body: { text: csv } });
    expect(res.status).toBe(201);
    expect(res.body.format).toBe('reaper');
    expect(res.body.comments.map((c) => [c.atSec, c.endSec, c.body, c.authorName])).toEqual([[10, null, 'Snare, too bright', 'Vic'], [20.5, 30, 'Verse 2', 'Vic']]);
    const onVersion = await engineer.json<{ comments: CommentInfo[] }>(`/api/sessions/${sessionId}/comments/import`, { body: { text: '1.5\t1.5\tclick here\n', versionId: v.id } });
    expect(onVersion.body.comments[0]).toMatchObject({ atSec: 1.5, versionId: v.id, body: 'click here' });
    const listed = (await viewer.json<{ comments: CommentInfo[] }>(urls().comments)).body.comments.map((c) => c.body);
    expect(listed).toEqual(expect.arrayContaining(['Snare, too bright', 'Verse 2', 'click here']));

    const late = await viewer.json(`/api/sessions/${sessionId}/comments/import`, { body: { text: '70\t70\tafter the end\n' } });
    expect(late.status).toBe(400);
    expect(late.body.error.message).toBe('marker 1 ("after the end") at 70.0 s is outside the song (0–60.0 s)');
    const junk = await viewer.json(`/api/sessions/${sessionId}/comments/import`, { body: { text: 'not markers' } });
    expect(junk.status).toBe(400);
    expect(junk.body.error.message).toMatch(/^cannot read the marker list: line 1: not a marker list/);
    expect((await outsider.json(`/api/sessions/${sessionId}/comments/import`, { body: { text: csv } })).status).toBe(404);
    expect((await anonymous(s.url).fetch(`/api/sessions/${sessionId}/comments/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: csv }) })).status).toBe(401);
  });
});
