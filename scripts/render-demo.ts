// Renders the full demo song to ./data/demo-preview so a person can listen to it.
// Usage: npx tsx scripts/render-demo.ts [durationSec]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../packages/engine/src/audio/wav';
import { renderDemoStems } from '../packages/engine/src/demo/render-demo';

async function main(): Promise<void> {
  const durationSec = process.argv[2] ? Number(process.argv[2]) : undefined;
  const outDir = join(process.cwd(), 'data', 'demo-preview');
  mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  const song = await renderDemoStems({
    durationSec,
    onProgress: (f) => process.stdout.write(`\rrendering ${(f * 100).toFixed(0)}%`),
  });
  const renderMs = performance.now() - t0;
  process.stdout.write('\n');

  const length = song.stems[0].channels[0].length;
  const sampleRate = song.stems[0].sampleRate;
  const mix = [new Float32Array(length), new Float32Array(length)];
  for (const [i, stem] of song.stems.entries()) {
    const file = join(outDir, `${String(i + 1).padStart(2, '0')}-${stem.name.toLowerCase()}.wav`);
    writeFileSync(file, encodeWav(stem.channels, stem.sampleRate, { bitDepth: 24 }));
    const g = 10 ** (stem.suggestedGainDb / 20);
    for (let c = 0; c < 2; c++) for (let j = 0; j < length; j++) mix[c][j] += g * stem.channels[c][j];
    console.log(`${file}  peak ${stem.peakDb} dBFS, suggested fader ${stem.suggestedGainDb} dB`);
  }
  const mixFile = join(outDir, '00-mix.wav');
  writeFileSync(mixFile, encodeWav(mix, sampleRate, { bitDepth: 24 }));
  console.log(`${mixFile}  (stems summed at suggested faders)`);
  console.log(`"${song.title}" ${song.tempo} BPM ${song.key}, ${(length / sampleRate).toFixed(1)} s, rendered in ${(renderMs / 1000).toFixed(1)} s`);
  process.exit(0);
}

void main();
