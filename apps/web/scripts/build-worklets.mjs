// Bundles the engine's AudioWorklet processors into plain scripts the browser can load with
// audioWorklet.addModule(): public/worklets/<name>.js (generated, not committed).
// `--watch` (npm run dev) keeps rebuilding each one when its sources change.
import { build, context } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const engine = path.resolve(here, '../../../packages/engine/src');
const outdir = path.resolve(here, '../public/worklets');

const worklets = [
  { name: 'loudness-processor', entry: path.join(engine, 'loudness/worklet/loudness-processor.ts') },
  // Compressors and the true-peak limiter, for live playback and for bounces in the browser.
  { name: 'dynamics-processor', entry: path.join(engine, 'dsp/worklet/dynamics-processor.ts') },
  // The talkback ducker: voice detection and the gain envelope on the audio thread.
  { name: 'ducker-processor', entry: path.join(engine, 'dsp/worklet/ducker-processor.ts') },
  // Every channel strip of the live mix in one processor.
  { name: 'mix-processor', entry: path.join(engine, 'live/mix-processor.ts') },
  // Not a worklet: the dedicated worker that downloads, caches and reads the stems.
  { name: 'stem-worker', entry: path.resolve(here, '../src/lib/stem-worker.ts') },
  // The worker that draws the live canvases (meters, playhead, position) off the main thread.
  { name: 'paint-worker', entry: path.resolve(here, '../src/lib/paint-worker.ts') },
];

const watch = process.argv.includes('--watch');

for (const w of worklets) {
  const outfile = path.join(outdir, `${w.name}.js`);
  const options = {
    entryPoints: [w.entry],
    outfile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: !watch,
    sourcemap: watch ? 'inline' : false,
    logLevel: watch ? 'info' : 'warning',
    legalComments: 'none',
  };
  if (watch) {
    const ctx = await context(options);
    await ctx.watch();
    console.log(`worklet ${w.name}: watching`);
  } else {
    await build(options);
    console.log(`worklet ${w.name} -> ${path.relative(process.cwd(), outfile)}`);
  }
}
