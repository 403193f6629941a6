// Render benchmark (issue 4): N stereo stems × S seconds at 48 kHz, generated deterministically;
// the full engine (every channel: HPF, LPF, 4-band EQ, compressor, pan, two sends; reverb and
// delay returns; master EQ, glue compressor, true-peak limiter) against ffmpeg running a
// comparable filtergraph on the same stems, in the same run. Reports × real time, the ratio,
// and peak memory vs the decoded stems. Usage: npm run bench:render [-- --seconds 180 --stems 16]
// (or npm run bench:render -- --cli: see bench/render-cli.ts)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWav } from '../packages/engine/src/audio/wav';
import { musicLike } from '../packages/engine/src/loudness/test-signals';

// `--automation`: the same session with and without automation, alternately (issue 20).
if (process.argv.includes('--automation')) {
  await import('./render-automation');
  process.exit(0);
}

// `--cli`: the render CLI on a long stored session, streamed vs whole-decoded stems (issue 16).
if (process.argv.includes('--cli')) {
  await import('./render-cli');
  process.exit(0);
}

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 180);
const STEMS = arg('stems', 16);
const FS = 48000;

const dir = mkdtempSync(join(tmpdir(), 'mixroom-bench-render-'));
try {
  for (let k = 0; k < STEMS; k++) {
    const [l, r] = musicLike(FS, SECONDS, 100 + k);
    writeFileSync(join(dir, `stem${k}.wav`), encodeWav([l, r], FS, { bitDepth: 32, float: true }));
  }

  const engine = spawnSync(join(here, '../node_modules/.bin/tsx'), [join(here, 'render-engine.ts'), dir, String(STEMS), join(dir, 'engine.wav')], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (engine.status !== 0) throw new Error(`engine render failed: ${engine.stderr}`);
  const ours = JSON.parse(engine.stdout.trim().split('\n').pop()!) as { wallMs: number; maxRssBytes: number; rssBeforeRender: number; stemBytes: number };

  // ffmpeg: per stem highpass, 4× equalizer, lowpass, acompressor, pan+volume; amix; master
  // equalizer, acompressor, alimiter. (No reverb: ffmpeg has no comparable one; ours includes it.)
  const chains = Array.from({ length: STEMS }, (_, k) => {
    const p = (k / (STEMS - 1)) * 2 - 1;
    const gl = Math.cos(((p + 1) * Math.PI) / 4).toFixed(4);
    const gr = Math.sin(((p + 1) * Math.PI) / 4).toFixed(4);
    return `[${k}:a]highpass=f=80,equalizer=f=100:t=q:w=0.71:g=2,equalizer=f=400:t=q:w=0.71:g=-3,equalizer=f=2500:t=q:w=0.71:g=2,equalizer=f=8000:t=q:w=0.71:g=1,lowpass=f=18000,acompressor=threshold=0.125:ratio=4:attack=10:release=100,pan=stereo|c0=${gl}*c0|c1=${gr}*c1,volume=-12dB[s${k}]`;
  });
  const graph = `${chains.join(';')};${Array.from({ length: STEMS }, (_, k) => `[s${k}]`).join('')}amix=inputs=${STEMS}:normalize=0,equalizer=f=400:t=q:w=0.71:g=-1,acompressor=threshold=0.25:ratio=2:attack=30:release=200,alimiter=limit=0.89[out]`;
  const inputs = Array.from({ length: STEMS }, (_, k) => ['-i', join(dir, `stem${k}.wav`)]).flat();
  const t0 = performance.now();
  const ff = spawnSync('/usr/bin/time', ['-f', '%M', 'ffmpeg', '-v', 'error', '-y', ...inputs, '-filter_complex', graph, '-map', '[out]', '-c:a', 'pcm_s24le', join(dir, 'ffmpeg.wav')], {
    encoding: 'utf8',
  });
  const ffWallMs = performance.now() - t0;
  if (ff.status !== 0) throw new Error(`ffmpeg failed: ${ff.stderr}`);
  const ffRssBytes = Number(ff.stderr.trim().split('\n').pop()) * 1024;

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    stems: STEMS,
    secondsPerStem: SECONDS,
    sampleRate: FS,
    engine: { wallMs: Math.round(ours.wallMs), xRealTime: +(SECONDS / (ours.wallMs / 1000)).toFixed(2), peakRssMB: Math.round(ours.maxRssBytes / 2 ** 20), rssWithStemsLoadedMB: Math.round(ours.rssBeforeRender / 2 ** 20) },
    ffmpeg: { wallMs: Math.round(ffWallMs), xRealTime: +(SECONDS / (ffWallMs / 1000)).toFixed(2), peakRssMB: Math.round(ffRssBytes / 2 ** 20) },
    decodedStemsMB: Math.round(ours.stemBytes / 2 ** 20),
    engineSpeedVsFfmpeg: +(ffWallMs / ours.wallMs).toFixed(2),
    enginePeakMemoryVsDecodedStems: +(ours.maxRssBytes / ours.stemBytes).toFixed(2),
    targets: { speedVsFfmpeg: 2, peakMemoryVsDecodedStems: 1.3 },
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results/render.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
