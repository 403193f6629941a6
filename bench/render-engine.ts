// Child process of bench/render.ts: renders the benchmark session with the engine from the stem
// WAVs in a directory and prints {wallMs, maxRssBytes, stemBytes} as JSON. A separate process so
// its peak memory is the engine's alone.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import { MixModel, decodeWav, initializeMix, renderMix } from '../packages/engine/src';
import { loadTone } from '../packages/engine/src/node';

const [dir, count, out] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const Tone = await loadTone();
const stems = new Map<string, AudioBuffer>();
let stemBytes = 0;
for (let k = 0; k < count; k++) {
  const wav = decodeWav(new Uint8Array(readFileSync(join(dir, `stem${k}.wav`))));
  const b = new AudioBuffer({ length: wav.channels[0].length, numberOfChannels: 2, sampleRate: wav.sampleRate });
  wav.channels.forEach((d, c) => b.copyToChannel(d as Float32Array<ArrayBuffer>, c));
  stemBytes += wav.channels.length * wav.channels[0].length * 4;
  stems.set(`s${k}`, b);
}
const doc = new Y.Doc();
initializeMix(doc, [...stems.keys()].map((id) => ({ id, name: id, stemId: id })));
const m = new MixModel(doc);
for (let k = 0; k < count; k++) {
  const id = `s${k}`;
  // Every channel: HPF, 4 EQ bands, compressor, pan, both sends (as the ffmpeg graph).
  m.setChannelParam(id, 'hpf.on', 1);
  m.setChannelParam(id, 'lpf.on', 1);
  m.setChannelParam(id, 'eq1.gain', 2);
  m.setChannelParam(id, 'eq2.gain', -3);
  m.setChannelParam(id, 'eq3.gain', 2);
  m.setChannelParam(id, 'eq4.gain', 1);
  m.setChannelParam(id, 'comp.on', 1);
  m.setPan(id, (k / (count - 1)) * 2 - 1);
  m.setChannelGain(id, -12);
  m.setChannelParam(id, 'send1.level', -18);
  m.setChannelParam(id, 'send2.level', -24);
}
m.setMasterParam('eq2.gain', -1);
m.setMasterParam('glue.on', 1);
const t0 = performance.now();
const { wav } = await renderMix(Tone, m.getState(), stems, { sampleRate: 48000, bitDepth: 24 });
const wallMs = performance.now() - t0;
writeFileSync(out, wav);
process.stdout.write(JSON.stringify({ wallMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, stemBytes }) + '\n');
