// The same-sound fixture: three synthetic stems and a mix that exercises every processor
// (filters, EQ, channel compressors, pre/post sends, reverb, tempo-synced delay, master EQ,
// glue compressor, true-peak limiter, output gain). Rendered here in Node through the engine's
// renderMix on node-web-audio-api; e2e/same-sound.spec.ts renders the very same stems and
// state in Chromium and compares. Usage: tsx e2e/support/same-sound-fixture.ts <out.json>
import { writeFileSync } from 'node:fs';
import * as Y from 'yjs';
import { initializeMix, MixModel, renderMixDetailed } from '@mixroom/engine';
import { loadTone } from '@mixroom/engine/node';
import { mulberry32 } from '../../packages/engine/src/util/prng';

export const SAME_SOUND_RATE = 48000;
const SECONDS = 3;
const N = SAME_SOUND_RATE * SECONDS;

function stems(): Record<string, Float32Array[]> {
  const rand = mulberry32(4);
  const drums = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const t = (i % (SAME_SOUND_RATE / 2)) / SAME_SOUND_RATE; // a hit every 0.5 s
    drums[i] = (rand() * 2 - 1) * 0.8 * Math.exp(-t * 18) + 0.6 * Math.sin(2 * Math.PI * 60 * t) * Math.exp(-t * 10);
  }
  const bass = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const t = i / SAME_SOUND_RATE;
    const f = t % 1 < 0.5 ? 55 : 82.4;
    bass[i] = 0.5 * Math.sin(2 * Math.PI * f * t) + 0.2 * Math.sin(4 * Math.PI * f * t) + 0.1 * Math.sin(6 * Math.PI * f * t);
  }
  const keysL = new Float32Array(N);
  const keysR = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const t = i / SAME_SOUND_RATE;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 0.5 * t);
    keysL[i] = env * 0.2 * (Math.sin(2 * Math.PI * 261.6 * t) + Math.sin(2 * Math.PI * 392 * t) + 0.5 * Math.sin(2 * Math.PI * 3100 * t));
    keysR[i] = env * 0.2 * (Math.sin(2 * Math.PI * 329.6 * t) + Math.sin(2 * Math.PI * 523.3 * t) + 0.5 * Math.sin(2 * Math.PI * 6200 * t));
  }
  return { drums: [drums], bass: [bass], keys: [keysL, keysR] };
}

type Part = 'filters' | 'comp' | 'reverb' | 'delay' | 'master';
const ALL: Part[] = ['filters', 'comp', 'reverb', 'delay', 'master'];
/** The full fixture first, then each processor group alone, to tell which one differs. */
export const VARIANTS: Array<{ name: string; parts: Part[] }> = [
  { name: 'full mix', parts: ALL },
  { name: 'faders/pan only', parts: [] },
  ...ALL.map((p) => ({ name: `${p} only`, parts: [p] })),
];

function mixState(parts: Part[]) {
  const on = (p: Part) => parts.includes(p);
  const doc = new Y.Doc();
  initializeMix(doc, ['drums', 'bass', 'keys'].map((id) => ({ id, name: id, stemId: id })));
  const m = new MixModel(doc);
  const ch = (id: string, p: Record<string, number>) => Object.entries(p).forEach(([k, v]) => m.setParam({ kind: 'channel', channelId: id }, k, v));
  ch('drums', { pan: -0.3 });
  ch('bass', { gain: -3 });
  ch('keys', { trim: -2, pan: 0.4 });
  if (on('filters')) {
    ch('drums', { 'hpf.on': 1, 'hpf.freq': 60, 'hpf.slope': 1, 'eq2.gain': 4, 'eq2.freq': 300 });
    ch('bass', { 'lpf.on': 1, 'lpf.freq': 4000, 'eq1.gain': 3 });
    ch('keys', { 'eq3.gain': -4, 'eq3.q': 1.5, 'eq4.gain': 2 });
  }
  if (on('comp')) {
    ch('drums', { 'comp.on': 1, 'comp.threshold': -24, 'comp.ratio': 4, 'comp.attack': 5, 'comp.release': 80 });
    ch('bass', { 'comp.on': 1, 'comp.threshold': -20, 'comp.ratio': 6 });
  }
  const fx = (bus: 'reverb' | 'delay', p: Record<string, number>) => Object.entries(p).forEach(([k, v]) => m.setParam({ kind: 'fx', bus }, k, v));
  if (on('reverb')) {
    ch('drums', { 'send1.level': -10 });
    ch('keys', { 'send1.level': -6 });
    fx('reverb', { 'reverb.decay': 1.2, 'reverb.predelay': 15, 'reverb.damping': 6000, 'reverb.size': 50, 'eq2.gain': -3 });
  }
  if (on('delay')) {
    ch('bass', { 'send2.level': -12, 'send2.pre': 1 });
    ch('keys', { 'send2.level': -8 });
    fx('delay', { 'delay.sync': 4, 'delay.feedback': 40, 'delay.highcut': 6000 });
  }
  const ms = (p: Record<string, number>) => Object.entries(p).forEach(([k, v]) => m.setParam({ kind: 'master' }, k, v));
  if (on('master')) ms({ 'eq1.gain': 1, 'glue.on': 1, 'glue.threshold': -18, 'glue.ratio': 2, 'limiter.on': 1, 'limiter.ceiling': -1, gain: 2, tempo: 120 });
  else ms({ 'limiter.on': 0 });
  return m.getState();
}

const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: same-sound-fixture.ts <out.json>');
  const Tone = await loadTone();
  const raw = stems();
  const buffers = new Map(
    Object.entries(raw).map(([id, chs]) => {
      const b = new AudioBuffer({ length: N, numberOfChannels: chs.length, sampleRate: SAME_SOUND_RATE });
      chs.forEach((c, i) => b.copyToChannel(c, i));
      return [id, b] as const;
    }),
  );
  const variants = [];
  for (const v of VARIANTS) {
    const state = mixState(v.parts);
    const { audio, notes } = await renderMixDetailed(Tone, state, buffers, { sampleRate: SAME_SOUND_RATE });
    variants.push({ name: v.name, state, notes, node: [b64(audio.getChannelData(0)), b64(audio.getChannelData(1))] });
  }
  const json = {
    sampleRate: SAME_SOUND_RATE,
    stems: Object.fromEntries(Object.entries(raw).map(([id, chs]) => [id, chs.map(b64)])),
    variants,
  };
  writeFileSync(out, JSON.stringify(json));
  process.exit(0);
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
