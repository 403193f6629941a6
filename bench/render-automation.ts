// Render time with automation vs without (issue 20): the bench:render session (16 stereo stems,
// every processor on) rendered by bench/render-engine.ts, plain and with a ride on every
// channel's fader (a breakpoint every 0.5 s) and on one send, alternately, `--runs` times each.
// Reports the median wall and CPU time of each and the ratios. Usage: npm run bench:render -- --automation [--seconds 60 --stems 16 --runs 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWav } from '../packages/engine/src/audio/wav';
import { musicLike } from '../packages/engine/src/loudness/test-signals';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 60);
const STEMS = arg('stems', 16);
const RUNS = arg('runs', 3);
const FS = 48000;

const dir = mkdtempSync(join(tmpdir(), 'mixroom-bench-automation-'));
try {
  for (let k = 0; k < STEMS; k++) {
    const [l, r] = musicLike(FS, SECONDS, 100 + k);
    writeFileSync(join(dir, `stem${k}.wav`), encodeWav([l, r], FS, { bitDepth: 32, float: true }));
  }
  const times: Record<'plain' | 'automation', number[]> = { plain: [], automation: [] };
  const cpu: Record<'plain' | 'automation', number[]> = { plain: [], automation: [] };
  const loads: number[][] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const kind of ['plain', 'automation'] as const) {
      loads.push(loadavg().map((x) => +x.toFixed(2)));
      const r = spawnSync(join(here, '../node_modules/.bin/tsx'), [join(here, 'render-engine.ts'), dir, String(STEMS), join(dir, `${kind}.wav`), kind], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`render failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { wallMs: number; cpuMs: number };
      times[kind].push(out.wallMs);
      cpu[kind].push(out.cpuMs);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    stems: STEMS,
    secondsPerStem: SECONDS,
    runs: RUNS,
    wallMs: { plain: times.plain.map(Math.round), automation: times.automation.map(Math.round) },
    medianMs: { plain: Math.round(median(times.plain)), automation: Math.round(median(times.automation)) },
    automationVsPlain: +(median(times.automation) / median(times.plain)).toFixed(3),
    // CPU time of the render process (all its threads): far less disturbed by other load than wall time.
    cpuMs: { plain: cpu.plain.map(Math.round), automation: cpu.automation.map(Math.round) },
    medianCpuMs: { plain: Math.round(median(cpu.plain)), automation: Math.round(median(cpu.automation)) },
    automationVsPlainCpu: +(median(cpu.automation) / median(cpu.plain)).toFixed(3),
    loadAverageBeforeEachRender: loads,
    target: { automationVsPlain: 1.1 },
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results/render-automation.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
