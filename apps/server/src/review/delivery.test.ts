// Deliveries through the real routes (PGlite and PostgreSQL): the MP3 of a master that just
// meets its −1 dBTP ceiling must still meet it once decoded — decoded by ffmpeg and measured by
// ffmpeg's ebur128 and by the engine's meter — and say what gain that took; the FLAC must decode
// bit-exact in the reference `flac -d`; and both report their progress to the session's room.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeWav, encodeWav, measureLoudness } from '@mixroom/engine';
import { REVIEW_EVENTS, reviewUrls, type DeliveryProgress, type VersionInfo } from '@mixroom/protocol';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPostgresReachable, createSession, databaseKinds, SKIP_PG, startServer } from '../test-support.js';
import { asUser, type UserClient } from './test-clients.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mixroom-delivery-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * 8 s of a chord, a kick and a bright sawtooth lead (its harmonics run past 16 kHz, where an MP3
 * cuts: what comes back overshoots), scaled so the engine's meter reads −1.00 dBTP.
 */
function brightMaster(sampleRate: number): Float32Array[] {
  const n = sampleRate * 8;
  const ch = [0, 1].map((side) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / sampleRate;
      const saw = ((t * (220 + side)) % 1) * 2 - 1;
      const beat = t % 0.5;
      out[i] = 0.8 * saw + 0.1 * Math.sin(2 * Math.PI * 110 * t) + 0.1 * Math.exp(-beat * 30) * Math.sin(2 * Math.PI * 55 * beat);
    }
    return out;
  });
  const g = 10 ** ((-1 - measureLoudness(ch, sampleRate, { series: false }).truePeak) / 20);
  for (const c of ch) for (let i = 0; i < n; i++) c[i] *= g;
  return ch;
}

/** ffmpeg's own reading (decoder and ebur128 true-peak meter), dBTP with three decimals. */
function ffmpegTruePeak(file: string): number {
  const out = execFileSync('ffmpeg', ['-nostdin', '-nostats', '-hide_banner', '-i', file, '-af', 'ebur128=peak=true:metadata=1,ametadata=mode=print:file=-', '-f', 'null', '-'], {
    maxBuffer: 1 << 28,
  }).toString();
  const values = [...out.matchAll(/^lavfi\.r128\.true_peak=(\S+)$/gm)].map((m) => Number(m[1]));
  return 20 * Math.log10(values[values.length - 1]);
}

/** What ffmpeg decodes `file` to, as float channels. */
function ffmpegDecode(file: string, channels: number): Float32Array[] {
  const pcm = execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'f32le', '-'], { maxBuffer: 1 << 28 });
  const floats = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);
  return Array.from({ length: channels }, (_, c) => Float32Array.from({ length: floats.length / channels }, (_, i) => floats[channels * i + c]));
}

describe.each(databaseKinds)('deliveries over $name', (kind) => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let cleanup: () => Promise<void>;
  let sessionId: string;
  let owner: UserClient, artist: UserClient;
  let urls: ReturnType<typeof reviewUrls>;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const database = await kind.create();
    cleanup = database.cleanup;
    s = await startServer(database.config);
    sessionId = await createSession(s, 'Bright Song');
    urls = reviewUrls(sessionId);
    owner = await asUser(s, 'owner', 'olga', [sessionId]);
    artist = await asUser(s, 'artist', 'ana', [sessionId]);
  });
  afterAll(async () => {
    sockets.forEach((x) => x.close());
    await s?.server.close();
    await cleanup?.();
  });

  const upload = async (wav: Uint8Array): Promise<VersionInfo> => {
    const res = await owner.fetch(`${urls.versions}?source=upload&notes=`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.from(wav) });
    expect(res.status).toBe(201);
    return (await res.json()) as VersionInfo;
  };
  /** Every delivery event of `versionId` seen by a subscribed member until `stop` is called. */
  const watch = async (versionId: string) => {
    const socket = await artist.socket();
    sockets.push(socket);
    expect(await socket.emitWithAck(REVIEW_EVENTS.subscribe, { sessionId })).toEqual({ ok: true });
    const seen: DeliveryProgress[] = [];
    socket.on(REVIEW_EVENTS.delivery, (p: DeliveryProgress) => {
      if (p.versionId === versionId) seen.push(p);
    });
    return seen;
  };

  it.each([44100, 48000])('delivers an MP3 of a −1 dBTP master at %i Hz whose decoded true peak stays ≤ −1 dBTP, saying what gain it took', async (rate) => {
    const master = brightMaster(rate);
    const v = await upload(encodeWav(master, rate, { bitDepth: 24, dither: 'none' }));
    const events = await watch(v.id);

    const res = await artist.fetch(urls.versionDownload(v.id, 'mp3'));
    expect(res.status).toBe(200);
    const file = path.join(tmp, `${kind.name}-${rate}.mp3`);
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()));

    // Independent decoder and meter: ffmpeg. And the engine's meter on ffmpeg's decode.
    const ffTp = ffmpegTruePeak(file);
    const engineTp = measureLoudness(ffmpegDecode(file, 2), rate, { series: false }).truePeak;
    console.log(`${kind.name} ${rate} Hz: decoded true peak ffmpeg ${ffTp.toFixed(3)} / engine ${engineTp.toFixed(3)} dBTP, gain ${res.headers.get('x-delivery-gain-db')} dB`);
    expect(ffTp).toBeLessThanOrEqual(-1);
    expect(engineTp).toBeLessThanOrEqual(-1);
    // Turned down only as far as needed.
    expect(engineTp).toBeGreaterThan(-1.5);

    // It says so: headers, the version's info (what the UI shows), and the loudness report.
    const gainDb = Number(res.headers.get('x-delivery-gain-db'));
    expect(gainDb).toBeLessThan(0);
    expect(res.headers.get('x-delivery-ceiling-dbtp')).toBe('-1.0');
    expect(res.headers.get('x-delivery-note')).toBe(`MP3 turned down ${Math.abs(gainDb).toFixed(2)} dB so its decoded peaks stay under -1.0 dBTP`);
    const info = (await artist.json<VersionInfo>(urls.version(v.id))).body.deliveries.mp3;
    expect(info).toMatchObject({ format: 'mp3', ceilingDbtp: -1, gainDb, note: `MP3 turned down ${Math.abs(gainDb).toFixed(2)} dB so its decoded peaks stay under −1.0 dBTP` });
    expect(info!.decodedTruePeakDbtp!).toBeLessThanOrEqual(-1);
    expect((await artist.json(urls.versionReport(v.id))).body.deliveries.mp3).toEqual(info);

    // Progress reached the room while it encoded: encoding fractions rising to 1, a check, then ready.
    const encoding = events.filter((e) => e.stage === 'encoding').map((e) => e.fraction);
    expect(encoding.length).toBeGreaterThanOrEqual(3);
    expect(encoding.some((f) => f > 0 && f < 1)).toBe(true);
    expect(events.some((e) => e.stage === 'checking')).toBe(true);
    expect(events.at(-1)).toMatchObject({ stage: 'ready', format: 'mp3', info });
  });

  it('delivers a FLAC that the reference decoder (flac -d) turns back into the master bit for bit, with progress', async () => {
    const rate = 48000;
    const wavBytes = encodeWav(brightMaster(rate), rate, { bitDepth: 24 });
    const v = await upload(wavBytes);
    const events = await watch(v.id);
    const res = await artist.fetch(urls.versionDownload(v.id, 'flac'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/flac');
    const file = path.join(tmp, `${kind.name}.flac`);
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
    execFileSync('flac', ['-s', '-d', '-f', '-o', `${file}.wav`, file]);
    const back = decodeWav(new Uint8Array(readFileSync(`${file}.wav`)));
    const original = decodeWav(wavBytes);
    expect(back.sampleRate).toBe(rate);
    expect(back.bitDepth).toBe(24);
    for (let c = 0; c < 2; c++) expect(Buffer.from(back.channels[c].buffer).equals(Buffer.from(original.channels[c].buffer))).toBe(true);
    expect(events.some((e) => e.stage === 'encoding' && e.fraction > 0 && e.fraction < 1)).toBe(true);
    expect(events.at(-1)).toMatchObject({ stage: 'ready', format: 'flac', info: { gainDb: 0 } });
  });
});
