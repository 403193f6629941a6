// Child process of bench/render.ts: renders the benchmark session with the engine from the stem
// WAVs in a directory and prints {wallMs, maxRssBytes, stemBytes} as JSON. A separate process so
// its peak memory is the engine's alone.
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import { MixModel, initializeMix, renderMix } from '../packages/engine/src';
import { installWebAudioGlobals } from '../packages/engine/src/node';

const [dir, count, out] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
// 'automation': a ride on every channel's fader (a breakpoint every 0.5 s) and on one send.
const automated = process.argv[5] === 'automation';
// Renders need Web Audio (OfflineAudioContext for the reverb) but not Tone.js.
installWebAudioGlobals();
const stems = new Map<string, AudioBuffer>();
let stemBytes = 0;
for (let k = 0; k < count; k++) {
  const b = loadFloatWav(join(dir, `stem${k}.wav`));
  stemBytes += b.numberOfChannels * b.length * 4;
  stems.set(`s${k}`, b);
}
const rssBeforeRender = process.memoryUsage().rss;
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
if (automated) {
  const seconds = stems.get('s0')!.duration;
  const ride = (lo: number, hi: number) => Array.from({ length: Math.floor(seconds * 2) + 1 }, (_, i) => ({ t: i / 2, v: i % 2 ? hi : lo, shape: 'linear' as const }));
  for (let k = 0; k < count; k++) m.automation.setPoints(`ch:s${k}/gain`, ride(-14, -10));
  m.automation.setPoints('ch:s0/send1.level', ride(-24, -12));
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const { wav } = await renderMix(null, m.getState(), stems, { sampleRate: 48000, bitDepth: 24 });
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
writeFileSync(out, wav);
process.stdout.write(JSON.stringify({ wallMs, cpuMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBeforeRender, stemBytes }) + '\n');

/**
 * Loads a 32-bit float WAV (what bench/render.ts writes) straight into an AudioBuffer, reading
 * the file in 1 MiB pieces: the process then holds the decoded stems and nothing else, so its
 * peak memory is the stems plus what the render itself needs (a whole-file read plus a decoded
 * copy per stem, as decodeWav does, made the loader's leftovers the peak).
 */
function loadFloatWav(path: string): AudioBuffer {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(4096);
    readSync(fd, head, 0, head.length, 0);
    const view = new DataView(head.buffer);
    const chunk = (id: string) => {
      let p = 12;
      while (String.fromCharCode(...head.subarray(p, p + 4)) !== id) p += 8 + view.getUint32(p + 4, true) + (view.getUint32(p + 4, true) & 1);
      return p;
    };
    const fmt = chunk('fmt ') + 8;
    const channels = view.getUint16(fmt + 2, true);
    const sampleRate = view.getUint32(fmt + 4, true);
    if (view.getUint16(fmt + 14, true) !== 32) throw new Error(`${path}: expected 32-bit float samples`);
    const p = chunk('data');
    const frames = view.getUint32(p + 4, true) / (4 * channels);
    const buffer = new AudioBuffer({ length: frames, numberOfChannels: channels, sampleRate });
    const outs = Array.from({ length: channels }, (_, c) => buffer.getChannelData(c));
    const piece = new Float32Array(channels * 65536);
    const bytes = new Uint8Array(piece.buffer);
    for (let frame = 0, pos = p + 8; frame < frames; ) {
      const n = Math.min(65536, frames - frame);
      readSync(fd, bytes, 0, n * channels * 4, pos);
      for (let c = 0; c < channels; c++) {
        const out = outs[c];
        for (let i = 0; i < n; i++) out[frame + i] = piece[i * channels + c];
      }
      frame += n;
      pos += n * channels * 4;
    }
    return buffer;
  } finally {
    closeSync(fd);
  }
}
