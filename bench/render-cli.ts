// `npm run render` of a long session (issue 16): 24 and 48 stereo 24-bit 48 kHz stems × 5 min
// (bench/make-stems.ts) stored in a fresh data dir (PGlite + local blob store), every channel with
// filters, EQ, compressor, pan and both sends, reverb and delay returns, master EQ, glue and
// limiter; rendered by the CLI with stems streamed from storage and, in the same run, with every
// stem decoded whole first (--whole-stems, the path before). Reports each CLI run's wall time and
// peak RSS (GNU time -v), with the load average, and checks both give the same WAV bytes.
//
// npm run bench:render -- --cli [--stems 24,48] [--minutes 5] [--runs 1] [--stream-first] [--modes whole,stream]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import { MixModel, initializeMix } from '../packages/engine/src';
import { LocalBlobStore } from '../apps/server/src/blob/local-blob-store';
import { loadConfig } from '../apps/server/src/config';
import { openDatabase } from '../apps/server/src/db/open';
import { makeStems } from './make-stems';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const SIZES = arg('stems', '24,48').split(',').map(Number);
const MINUTES = Number(arg('minutes', '5'));
const RUNS = Number(arg('runs', '1'));
const MODES = arg('modes', 'whole,stream').split(',');
const STREAM_FIRST = process.argv.includes('--stream-first');
const SR = 48000;

const load = () => loadavg().map((x) => +x.toFixed(2));
const sha = async (file: string) => {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
};

const tmp = mkdtempSync(join(tmpdir(), 'mixroom-bench-render-cli-'));
try {
  const t0 = performance.now();
  const files = await makeStems({ count: Math.max(...SIZES), minutes: MINUTES, sampleRate: SR, dir: join(tmp, 'stems') });
  const makeSeconds = (performance.now() - t0) / 1000;
  process.stderr.write(`${files.length} stems × ${MINUTES} min made in ${makeSeconds.toFixed(1)} s\n`);

  const env = { ...process.env, DATA_DIR: join(tmp, 'data'), DATABASE_URL: '' };
  delete env.S3_BUCKET;
  const config = loadConfig(env);
  const db = await openDatabase(config);
  try {
    const blobs = new LocalBlobStore(join(config.dataDir, 'blobs'));
    const stored: Array<{ name: string; sha256: string; size: number }> = [];
    for (const f of files) {
      const info = await blobs.putFile(f); // moves the file into the store
      stored.push({ name: basename(f, '.wav'), ...info });
    }
    for (const n of SIZES) {
      const id = `bench-${n}`;
      await db.prisma.mixSession.create({ data: { id, title: `${n} stems × ${MINUTES} min` } });
      const doc = new Y.Doc();
      const channels = stored.slice(0, n).map((s, k) => ({ id: `ch${k}`, name: s.name, stemId: `${id}-s${k}` }));
      for (const [k, s] of stored.slice(0, n).entries()) {
        await db.prisma.stem.create({
          data: { id: `${id}-s${k}`, sessionId: id, name: s.name, fileHash: s.sha256, fileName: `${s.name}.wav`, mimeType: 'audio/wav', sizeBytes: s.size, sampleRate: SR, channels: 2, durationSec: MINUTES * 60 },
        });
      }
      initializeMix(doc, channels);
      const m = new MixModel(doc);
      channels.forEach((ch, k) => {
        m.setChannelParam(ch.id, 'hpf.on', 1);
        m.setChannelParam(ch.id, 'lpf.on', 1);
        m.setChannelParam(ch.id, 'eq1.gain', 2);
        m.setChannelParam(ch.id, 'eq2.gain', -3);
        m.setChannelParam(ch.id, 'eq3.gain', 2);
        m.setChannelParam(ch.id, 'eq4.gain', 1);
        m.setChannelParam(ch.id, 'comp.on', 1);
        m.setPan(ch.id, (k / (n - 1)) * 2 - 1);
        m.setChannelGain(ch.id, -12);
        m.setChannelParam(ch.id, 'send1.level', -18);
        m.setChannelParam(ch.id, 'send2.level', -24);
      });
      m.setMasterParam('eq2.gain', -1);
      m.setMasterParam('glue.on', 1);
      await db.prisma.docUpdate.create({ data: { sessionId: id, data: Y.encodeStateAsUpdate(doc) as Uint8Array<ArrayBuffer> } });
    }
  } finally {
    await db.close();
  }

  const tsx = join(root, 'node_modules/.bin/tsx');
  const cli = join(root, 'apps/server/src/cli/render.ts');
  const runs: Array<Record<string, unknown>> = [];
  for (const n of SIZES) {
    for (let r = 0; r < RUNS; r++) {
      // The old path first in one run, second in the next: neither always gets the warmer cache.
      const modes = ((r % 2 === 0) !== STREAM_FIRST ? ['whole', 'stream'] : ['stream', 'whole']).filter((m) => MODES.includes(m));
      const digests: Record<string, string> = {};
      for (const mode of modes) {
        const out = join(tmp, `${n}-${mode}.wav`);
        const loadBefore = load();
        const res = spawnSync('/usr/bin/time', ['-v', tsx, cli, '--session', `bench-${n}`, '--out', out, ...(mode === 'whole' ? ['--whole-stems'] : [])], { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 26 });
        const loadAfter = load();
        if (res.status !== 0) throw new Error(`render (${mode}, ${n} stems) failed:\n${res.stderr}`);
        // GNU time reports the largest process of the tree, which can be the PGlite process the
        // CLI starts; the render's own peak is what the CLI prints (its process.resourceUsage()).
        const treeRssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr)?.[1]);
        const rssMB = Number(/peak memory (\d+) MB/.exec(res.stderr)?.[1]);
        const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(res.stderr)!;
        const wallS = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
        const cpuS = Number(/User time \(seconds\): ([\d.]+)/.exec(res.stderr)?.[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(res.stderr)?.[1]);
        // The CLI's own figure: stems opened + render + WAV written (after the database is open).
        const renderS = Number(/ s of audio in ([\d.]+) s/.exec(res.stderr)?.[1]);
        digests[mode] = await sha(out);
        rmSync(out);
        const row = { stems: n, minutes: MINUTES, mode, run: r + 1, wallSeconds: +wallS.toFixed(1), renderSeconds: renderS, cpuSeconds: +cpuS.toFixed(1), xRealTime: +((MINUTES * 60) / renderS).toFixed(2), peakRssMB: rssMB, largestProcessOfTreeMB: Math.round(treeRssKb / 1024), loadBefore, loadAfter };
        runs.push(row);
        process.stderr.write(`${JSON.stringify(row)}\n`);
      }
      if (modes.length === 2 && digests.whole !== digests.stream) throw new Error(`${n} stems: the streamed render differs from the whole-decode render`);
    }
  }
  const pick = (n: number, mode: string) => runs.filter((r) => r.stems === n && r.mode === mode);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = SIZES.map((n) => {
    const w = pick(n, 'whole');
    const s = pick(n, 'stream');
    const m = (rows: typeof w, k: string) => median(rows.map((r) => r[k] as number));
    return {
      stems: n,
      peakRssMB: { whole: m(w, 'peakRssMB'), stream: m(s, 'peakRssMB') },
      wallSeconds: { whole: m(w, 'wallSeconds'), stream: m(s, 'wallSeconds') },
      streamWallVsWhole: +(m(s, 'wallSeconds') / m(w, 'wallSeconds')).toFixed(2),
      identicalWav: w.length > 0 && s.length > 0,
      targets: { peakRssMB: 400, streamWallVsWhole: 1 },
    };
  });
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    command: `npm run bench:render -- --cli --stems ${SIZES.join(',')} --minutes ${MINUTES} --runs ${RUNS}`,
    stemFormat: 'stereo 24-bit 48 kHz WAV (bench/make-stems.ts)',
    makeStemsSeconds: +makeSeconds.toFixed(1),
    summary,
    runs,
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results/render-cli.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
