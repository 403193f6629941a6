// Delivery benchmark (issue 18 item 5): WAV, FLAC and MP3 downloads of a 5-minute master through
// the product — a real server (PGlite), the version uploaded over HTTP, each format downloaded
// cold (the first download makes the encode: decode the stored WAV, encode, for the MP3 decode
// and measure the result and re-encode if it must be turned down, store the blob) — against the
// reference tools on the same file in the same run: `flac -5`, `lame -b 320`, and ffmpeg's flac
// and libmp3lame encoders. Reports × real time (wall clock, and CPU time of all the server's
// threads: "on one core" means the CPU figure), the ratio to the reference, sizes, the MP3's gain
// and decoded true peak (ours, and what lame's file decodes to), and the load average.
//
//   npm run bench:deliver [-- --seconds 300]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSession, fetchAs, pglite, startServer } from '../apps/server/src/test-support';
import { encodeWav } from '../packages/engine/src/audio/wav';
import { measureLoudness } from '../packages/engine/src/loudness/measure';
import { musicLike } from '../packages/engine/src/loudness/test-signals';
import { reviewUrls, type VersionInfo } from '../packages/protocol/src/index';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 300);
const FS = 48000;
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

/** A loud master: music driven +12 dB into a clipper, then set to −1.0 dBTP (what a limiter-heavy master looks like). */
function loudMaster(): Float32Array[] {
  const ch = musicLike(FS, SECONDS, 18);
  const peak = Math.max(...ch.map((c) => c.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  const drive = 10 ** (12 / 20) / peak;
  for (const c of ch) for (let i = 0; i < c.length; i++) c[i] = Math.max(-1, Math.min(1, c[i] * drive));
  const g = 10 ** ((-1 - measureLoudness(ch, FS, { series: false }).truePeak) / 20);
  for (const c of ch) for (let i = 0; i < c.length; i++) c[i] *= g;
  return ch;
}

/** A bright master: a sawtooth lead over a sine bass and a kick, at −1.0 dBTP; its MP3 overshoots, so it is turned down. */
function brightMaster(): Float32Array[] {
  const n = FS * SECONDS;
  const ch = [0, 1].map((side) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / FS;
      const beat = t % 0.5;
      out[i] = 0.8 * (((t * (220 + side)) % 1) * 2 - 1) + 0.1 * Math.sin(2 * Math.PI * 110 * t) + 0.1 * Math.exp(-beat * 30) * Math.sin(2 * Math.PI * 55 * beat);
    }
    return out;
  });
  const g = 10 ** ((-1 - measureLoudness(ch, FS, { series: false }).truePeak) / 20);
  for (const c of ch) for (let i = 0; i < n; i++) c[i] *= g;
  return ch;
}

function ffmpegTruePeak(file: string): number {
  const r = spawnSync('ffmpeg', ['-nostdin', '-nostats', '-hide_banner', '-i', file, '-af', 'ebur128=peak=true:metadata=1,ametadata=mode=print:file=-', '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const values = [...r.stdout.matchAll(/^lavfi\.r128\.true_peak=(\S+)$/gm)].map((m) => Number(m[1]));
  return Math.round(2000 * Math.log10(values[values.length - 1])) / 100;
}

/** A reference tool's run: wall and CPU time (user + sys of the child). */
function tool(name: string, cmd: string, args: string[], out: string) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr.slice(-400)}`);
  const [u, s] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { name, wallMs: Math.round(wallMs), cpuMs: Math.round((u + s) * 1000), bytes: statSync(out).size };
}

const dir = mkdtempSync(join(tmpdir(), 'mixroom-bench-deliver-'));
const database = await pglite.create();
const s = await startServer(database.config);
try {
  const master = loudMaster();
  const wavBytes = encodeWav(master, FS, { bitDepth: 24, dither: 'none' });
  const masterFile = join(dir, 'master.wav');
  writeFileSync(masterFile, wavBytes);
  const sessionId = await createSession(s, 'Bench delivery');
  const urls = reviewUrls(sessionId);
  const up = await fetchAs(s.owner, `${s.url}${urls.versions}?source=upload&notes=`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.from(wavBytes) });
  if (up.status !== 201) throw new Error(`upload: ${up.status} ${await up.text()}`);
  const v = (await up.json()) as VersionInfo;

  const ours: Record<string, { wallMs: number; cpuMs: number; xRealTimeWall: number; xRealTimeCpu: number; bytes: number; headers?: Record<string, string> }> = {};
  for (const format of ['wav', 'flac', 'mp3'] as const) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await fetchAs(s.owner, `${s.url}${urls.versionDownload(v.id, format)}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(cpu0);
    if (res.status !== 200) throw new Error(`${format}: ${res.status}`);
    const cpuMs = (c.user + c.system) / 1000;
    const file = join(dir, `ours.${format}`);
    writeFileSync(file, bytes);
    const headers = Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('x-delivery')));
    ours[format] = { wallMs: Math.round(wallMs), cpuMs: Math.round(cpuMs), xRealTimeWall: Math.round((SECONDS * 1000) / wallMs), xRealTimeCpu: Math.round((SECONDS * 1000) / cpuMs), bytes: bytes.length, ...(format === 'mp3' ? { headers } : {}) };
    console.log(`ours ${format}: ${ours[format].wallMs} ms wall (${ours[format].xRealTimeWall}× real time), ${ours[format].cpuMs} ms CPU (${ours[format].xRealTimeCpu}×), ${bytes.length} bytes, load ${load().join(' ')}`);
  }
  // The same MP3 delivery of a master whose MP3 must be turned down (the lossy check at work).
  const brightFile = join(dir, 'bright.wav');
  const brightBytes = encodeWav(brightMaster(), FS, { bitDepth: 24, dither: 'none' });
  writeFileSync(brightFile, brightBytes);
  const up2 = await fetchAs(s.owner, `${s.url}${urls.versions}?source=upload&notes=`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.from(brightBytes) });
  const v2 = (await up2.json()) as VersionInfo;
  {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await fetchAs(s.owner, `${s.url}${urls.versionDownload(v2.id, 'mp3')}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(cpu0);
    const cpuMs = (c.user + c.system) / 1000;
    writeFileSync(join(dir, 'bright.mp3'), bytes);
    const headers = Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('x-delivery')));
    ours['mp3 (bright master, turned down)'] = { wallMs: Math.round(wallMs), cpuMs: Math.round(cpuMs), xRealTimeWall: Math.round((SECONDS * 1000) / wallMs), xRealTimeCpu: Math.round((SECONDS * 1000) / cpuMs), bytes: bytes.length, headers };
    console.log(`ours mp3 of the bright master: ${Math.round(wallMs)} ms wall, ${Math.round(cpuMs)} ms CPU (${Math.round((SECONDS * 1000) / cpuMs)}×), ${JSON.stringify(headers)}, load ${load().join(' ')}`);
  }
  const lameBright = tool('mp3 (bright): lame -b 320', 'lame', ['--silent', '-b', '320', brightFile, join(dir, 'bright-lame.mp3')], join(dir, 'bright-lame.mp3'));

  const pcm = (file: string) => spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 's24le', '-'], { maxBuffer: 1 << 30 }).stdout;
  const flacExact = pcm(join(dir, 'ours.flac')).equals(pcm(masterFile));

  const refs = [
    tool('wav: ffmpeg -c:a pcm_s24le', 'ffmpeg', ['-nostdin', '-v', 'error', '-y', '-threads', '1', '-i', masterFile, '-c:a', 'pcm_s24le', join(dir, 'ref.wav')], join(dir, 'ref.wav')),
    tool('flac: flac -5', 'flac', ['-s', '-5', '-f', '-o', join(dir, 'ref.flac'), masterFile], join(dir, 'ref.flac')),
    tool('flac: ffmpeg -c:a flac', 'ffmpeg', ['-nostdin', '-v', 'error', '-y', '-threads', '1', '-i', masterFile, '-c:a', 'flac', join(dir, 'ref-ff.flac')], join(dir, 'ref-ff.flac')),
    tool('mp3: lame -b 320', 'lame', ['--silent', '-b', '320', masterFile, join(dir, 'ref.mp3')], join(dir, 'ref.mp3')),
    tool('mp3: ffmpeg -c:a libmp3lame -b:a 320k', 'ffmpeg', ['-nostdin', '-v', 'error', '-y', '-threads', '1', '-i', masterFile, '-c:a', 'libmp3lame', '-b:a', '320k', join(dir, 'ref-ff.mp3')], join(dir, 'ref-ff.mp3')),
  ].map((r) => ({ ...r, xRealTimeCpu: Math.round((SECONDS * 1000) / r.cpuMs) }));
  for (const r of refs) console.log(`${r.name}: ${r.wallMs} ms wall, ${r.cpuMs} ms CPU (${r.xRealTimeCpu}×), ${r.bytes} bytes`);
  const ref = (name: string) => refs.find((r) => r.name.startsWith(name))!;
  const result = {
    command: `npm run bench:deliver -- --seconds ${SECONDS}`,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageBefore: load() },
    master: { seconds: SECONDS, sampleRate: FS, bitDepth: 24, channels: 2, bytes: wavBytes.length, truePeakDbtp: -1 },
    ours,
    reference: refs,
    ratios: {
      flacVsFlac5Cpu: Math.round((ours.flac.cpuMs / ref('flac: flac -5').cpuMs) * 100) / 100,
      mp3VsLameCpu: Math.round((ours.mp3.cpuMs / ref('mp3: lame').cpuMs) * 100) / 100,
      flacSizeVsFlac5: Math.round((ours.flac.bytes / ref('flac: flac -5').bytes) * 1000) / 1000,
    },
    checks: {
      flacBitExact: flacExact,
      mp3DecodedTruePeakFfmpeg: ffmpegTruePeak(join(dir, 'ours.mp3')),
      lameDecodedTruePeakFfmpeg: ffmpegTruePeak(join(dir, 'ref.mp3')),
      brightMp3DecodedTruePeakFfmpeg: ffmpegTruePeak(join(dir, 'bright.mp3')),
      brightLameDecodedTruePeakFfmpeg: ffmpegTruePeak(join(dir, 'bright-lame.mp3')),
      brightLameCpuMs: lameBright.cpuMs,
    },
    targets: { flacXRealTimeCpu: 50, mp3XRealTimeCpu: 20 },
    loadAverageAfter: load(),
  };
  console.log(JSON.stringify({ ratios: result.ratios, checks: result.checks, loadAverageAfter: result.loadAverageAfter }));
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results/deliver.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  await s.server.close();
  await database.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
