// The dynamics processor is TypeScript; node-web-audio-api's AudioWorklet loads plain scripts
// from a file, so we bundle it once per process with esbuild (the same bundling the web app's
// build does) into a temporary file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDynamicsWorklet } from '../graph/dynamics-node';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DYNAMICS_PROCESSOR_ENTRY = path.resolve(here, '../dsp/worklet/dynamics-processor.ts');

let bundled: Promise<string> | null = null;

/** Path of the bundled dynamics processor script. */
export function dynamicsWorkletFile(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [DYNAMICS_PROCESSOR_ENTRY],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      target: 'es2022',
      logLevel: 'warning',
    });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mixroom-worklet-')), 'dynamics-processor.js');
    writeFileSync(file, out.outputFiles[0].text);
    return file;
  })();
  return bundled;
}

/** Loads the dynamics processor into a (node-web-audio-api) context: pass as renderMix's loadWorklets. */
export async function installDynamicsWorklet(ctx: BaseAudioContext): Promise<void> {
  await loadDynamicsWorklet(ctx, await dynamicsWorkletFile());
}
