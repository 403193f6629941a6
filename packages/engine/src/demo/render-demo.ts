// The demo song that seeds a fresh Mixroom install. It is synthesised by Tone.js offline
// (same engine the browser uses), so no audio assets ship with the repo and the result is
// byte-reproducible: every random choice comes from a seeded PRNG, and Tone.Noise (which
// uses Math.random internally) is replaced by looped, seeded noise buffers.
import { installWebAudioGlobals } from '../node/audio-context';
import { mulberry32 } from '../util/prng';

type ToneModule = typeof import('tone');
type Dest = import('tone').ToneAudioNode;

export interface RenderDemoOptions {
  /** Song length in seconds (default 64). Renders shorter than 24 s play the chorus throughout so every stem sounds. */
  durationSec?: number;
  sampleRate?: number;
  /** Called with 0..1 after each stem finishes. */
  onProgress?: (fraction: number) => void;
}

export interface DemoStem {
  name: string;
  /** Stereo: [left, right]. */
  channels: Float32Array[];
  sampleRate: number;
  /** Peak of this stem in dBFS after level normalisation. */
  peakDb: number;
  /**
   * Fader gain that restores the arranged balance between stems: with every stem at its
   * suggested gain the sum peaks at about -1 dBFS. Stems themselves are normalised hot
   * (-6..-3 dBFS) the way a real tracking session delivers them.
   */
  suggestedGainDb: number;
}

export interface DemoSong {
  title: string;
  artist: string;
  tempo: number;
  key: string;
  stems: DemoStem[];
}

export const DEMO_TEMPO = 120;
const BEAT = 60 / DEMO_TEMPO;
const SIXTEENTH = BEAT / 4;
const BAR = BEAT * 4;

type Section = 'intro' | 'verse' | 'chorus' | 'breakdown' | 'outro';

// i–VI–III–VII in A minor, one chord per bar.
const PROGRESSION = [
  { name: 'Am7', bass: 33, pad: [57, 60, 64, 67], arp: [69, 72, 76, 79] },
  { name: 'Fmaj7', bass: 29, pad: [53, 57, 60, 64], arp: [65, 69, 72, 76] },
  { name: 'C', bass: 36, pad: [55, 60, 64, 67], arp: [67, 72, 76, 79] },
  { name: 'G', bass: 31, pad: [55, 59, 62, 67], arp: [67, 71, 74, 79] },
] as const;

// [start in 16ths, length in 16ths, midi] per bar of the 4-bar phrase.
type Phrase = ReadonlyArray<ReadonlyArray<readonly [number, number, number]>>;
const CHORUS_MELODY: Phrase = [
  [[0, 4, 76], [4, 2, 74], [6, 2, 72], [8, 6, 76], [14, 2, 79]],
  [[0, 4, 81], [4, 2, 79], [6, 2, 77], [8, 8, 72]],
  [[0, 4, 79], [4, 2, 76], [6, 2, 72], [8, 4, 74], [12, 4, 76]],
  [[0, 6, 74], [6, 2, 71], [8, 4, 67], [12, 2, 71], [14, 2, 74]],
];
const CHORUS_MELODY_END: Phrase[number] = [[0, 4, 74], [4, 4, 71], [8, 8, 69]];
const VERSE_MELODY: Phrase = [
  [[2, 2, 69], [4, 2, 72], [6, 4, 76], [12, 2, 74], [14, 2, 72]],
  [[0, 6, 69], [8, 2, 69], [10, 2, 72], [12, 4, 77]],
  [[0, 6, 76], [8, 2, 74], [10, 2, 72], [12, 4, 67]],
  [[0, 8, 71], [8, 4, 74], [12, 4, 71]],
];
const BREAKDOWN_MELODY: Phrase = [[[0, 14, 76]], [[0, 14, 72]], [[0, 12, 79], [12, 4, 76]], [[0, 16, 74]]];

function midiToHz(m: number): number {
  return 440 * 2 ** ((m - 69) / 12);
}

interface Plan {
  bars: number;
  durationSec: number;
  section(bar: number): Section;
  /** Bar index within its section (0-based). */
  barInSection(bar: number): number;
  /** Total bars in the section containing `bar`. */
  sectionLength(bar: number): number;
}

const FULL_ARRANGEMENT: Array<[Section, number]> = [
  ['intro', 4],
  ['verse', 8],
  ['chorus', 8],
  ['breakdown', 4],
  ['chorus', 8],
];

function makePlan(durationSec: number): Plan {
  const bars = Math.ceil(durationSec / BAR);
  const layout: Array<{ section: Section; start: number; length: number }> = [];
  if (bars < 12) {
    layout.push({ section: 'chorus', start: 0, length: bars });
  } else {
    let start = 0;
    for (const [section, length] of FULL_ARRANGEMENT) {
      if (start >= bars) break;
      layout.push({ section, start, length: Math.min(length, bars - start) });
      start += length;
    }
    // Longer songs keep cycling chorus; the final bar always resolves.
    while (start < bars) {
      layout.push({ section: 'chorus', start, length: Math.min(8, bars - start) });
      start += 8;
    }
    const last = layout[layout.length - 1];
    last.length -= 1;
    if (last.length === 0) layout.pop();
    layout.push({ section: 'outro', start: bars - 1, length: 1 });
  }
  const find = (bar: number) => layout.find((s) => bar >= s.start && bar < s.start + s.length)!;
  return {
    bars,
    durationSec,
    section: (bar) => find(bar).section,
    barInSection: (bar) => bar - find(bar).start,
    sectionLength: (bar) => find(bar).length,
  };
}

const at = (bar: number, sixteenth: number) => bar * BAR + sixteenth * SIXTEENTH;

interface StemContext {
  Tone: ToneModule;
  plan: Plan;
  out: Dest;
  rand: () => number;
}

/** Looped seeded noise through an envelope: a deterministic stand-in for Tone.NoiseSynth. */
function noiseVoice(
  s: StemContext,
  opts: { filter: Partial<import('tone').FilterOptions>; attack: number; decay: number; release?: number; pan?: number },
): (time: number, dur: number, velocity: number) => void {
  const { Tone } = s;
  const data = new Float32Array(Math.round(Tone.getContext().sampleRate * 1.3));
  for (let i = 0; i < data.length; i++) data[i] = s.rand() * 2 - 1;
  const player = new Tone.Player(Tone.ToneAudioBuffer.fromArray(data));
  player.loop = true;
  const env = new Tone.AmplitudeEnvelope({ attack: opts.attack, decay: opts.decay, sustain: 0, release: opts.release ?? 0.01 });
  const filter = new Tone.Filter(opts.filter);
  const panner = new Tone.Panner(opts.pan ?? 0);
  player.chain(env, filter, panner, s.out);
  player.start(0);
  return (time, dur, velocity) => env.triggerAttackRelease(dur, time, velocity);
}

function renderDrums(s: StemContext): void {
  const { Tone, plan, rand } = s;
  const kick = new Tone.MembraneSynth({
    pitchDecay: 0.045,
    octaves: 5,
    envelope: { attack: 0.001, decay: 0.35, sustain: 0, release: 0.05 },
  }).connect(s.out);
  const snareBody = new Tone.MembraneSynth({
    pitchDecay: 0.02,
    octaves: 2,
    envelope: { attack: 0.001, decay: 0.12, sustain: 0, release: 0.02 },
  }).connect(s.out);
  snareBody.volume.value = -10;
  const snareNoise = noiseVoice(s, { filter: { type: 'bandpass', frequency: 2500, Q: 0.7 }, attack: 0.001, decay: 0.18 });
  // Noise hats rather than MetalSynth: offline in node-web-audio-api a 64 s MetalSynth hat
  // track measured 255 s to render, which would wreck the server's first start.
  const closedHat = noiseVoice(s, { filter: { type: 'highpass', frequency: 8000 }, attack: 0.001, decay: 0.045, pan: 0.25 });
  const hat = (time: number, velocity: number) => closedHat(time, 0.02, velocity * 0.6);
  const openHat = noiseVoice(s, { filter: { type: 'highpass', frequency: 7500 }, attack: 0.002, decay: 0.28, pan: 0.25 });
  const crash = noiseVoice(s, { filter: { type: 'highpass', frequency: 4500 }, attack: 0.002, decay: 1.6, pan: -0.2 });

  for (let bar = 0; bar < plan.bars; bar++) {
    const sec = plan.section(bar);
    const inSec = plan.barInSection(bar);
    const fill = inSec === plan.sectionLength(bar) - 1;
    if (sec === 'chorus' && inSec === 0 && bar > 0) crash(at(bar, 0), 0.05, 0.5);
    if (sec === 'outro') {
      kick.triggerAttackRelease(45, 0.3, at(bar, 0), 1);
      crash(at(bar, 0), 0.05, 0.45);
      continue;
    }
    if (sec === 'intro') {
      if (inSec >= plan.sectionLength(bar) - 2) {
        for (let i = 0; i < 16; i += 2) hat(at(bar, i), 0.35 + 0.25 * (inSec / 4) + rand() * 0.1);
      }
      continue;
    }
    if (sec === 'breakdown') {
      // Snare roll into the last chorus.
      if (fill) {
        for (let i = 0; i < 16; i++) snareNoise(at(bar, i), 0.05, 0.15 + 0.6 * (i / 15));
      }
      continue;
    }
    const kicks = sec === 'chorus' ? [0, 4, 8, 12] : fill ? [0, 6, 8, 10, 14] : [0, 6, 8];
    for (const k of kicks) kick.triggerAttackRelease(45, 0.25, at(bar, k), k === 0 ? 1 : 0.9);
    for (const sn of [4, 12]) {
      snareBody.triggerAttackRelease(185, 0.1, at(bar, sn), 0.8);
      snareNoise(at(bar, sn), 0.05, 0.8);
    }
    if (sec === 'chorus') {
      for (let i = 0; i < 16; i++) {
        if (i % 4 === 2) openHat(at(bar, i), 0.05, 0.3 + rand() * 0.05);
        else hat(at(bar, i), (i % 2 === 0 ? 0.75 : 0.45) + rand() * 0.1);
      }
    } else {
      for (let i = 0; i < 16; i += 2) hat(at(bar, i), (i % 4 === 0 ? 0.7 : 0.5) + rand() * 0.1);
      if (fill) snareNoise(at(bar, 15), 0.03, 0.4);
    }
  }
}

function renderBass(s: StemContext): void {
  const { Tone, plan } = s;
  const bass = new Tone.MonoSynth({
    oscillator: { type: 'sawtooth' },
    filter: { Q: 2, type: 'lowpass', rolloff: -24 },
    envelope: { attack: 0.005, decay: 0.2, sustain: 0.6, release: 0.08 },
    filterEnvelope: { attack: 0.005, decay: 0.18, sustain: 0.3, release: 0.1, baseFrequency: 120, octaves: 3.2 },
  }).connect(s.out);
  for (let bar = 0; bar < plan.bars; bar++) {
    const sec = plan.section(bar);
    const root = PROGRESSION[bar % 4].bass;
    const note = (pos: number, len: number, midi: number, vel = 0.9) =>
      bass.triggerAttackRelease(midiToHz(midi), len * SIXTEENTH * 0.92, at(bar, pos), vel);
    if (sec === 'intro') continue;
    if (sec === 'outro') { note(0, 12, root); continue; }
    if (sec === 'breakdown') { note(0, 15, root, 0.6); continue; }
    if (sec === 'verse') {
      note(0, 4, root); note(6, 2, root); note(8, 4, root); note(14, 2, root + 12, 0.8);
    } else {
      const octave = [0, 0, 12, 0, 0, 12, 0, 12];
      for (let i = 0; i < 8; i++) note(i * 2, 1.6, root + octave[i], i % 2 === 0 ? 0.95 : 0.8);
    }
  }
}

function renderKeys(s: StemContext): void {
  const { Tone, plan } = s;
  const chorusFx = new Tone.Chorus({ frequency: 0.8, delayTime: 4, depth: 0.5, spread: 180, wet: 0.5 }).connect(s.out);
  chorusFx.start(0);
  const filter = new Tone.Filter({ type: 'lowpass', frequency: 1600, rolloff: -24, Q: 0.5 }).connect(chorusFx);
  // One mono voice per chord tone instead of PolySynth: offline, PolySynth allocates voices at
  // schedule time, never frees them, and ends up rendering 32 voices for the whole song.
  const voices = [0, 1, 2, 3].map(() => {
    const v = new Tone.Synth({
      oscillator: { type: 'fatsawtooth', count: 2, spread: 18 },
      envelope: { attack: 0.25, decay: 0.5, sustain: 0.7, release: 1.1 },
    }).connect(filter);
    v.volume.value = -12;
    return v;
  });
  for (let bar = 0; bar < plan.bars; bar++) {
    const sec = plan.section(bar);
    const chord = PROGRESSION[bar % 4].pad;
    const play = (pos: number, len: number, vel: number) =>
      voices.forEach((v, i) => v.triggerAttackRelease(midiToHz(chord[i]), len * SIXTEENTH, at(bar, pos), vel));
    if (sec === 'chorus') {
      // Syncopated stabs push the chorus; the pads elsewhere just breathe.
      play(0, 5, 0.9); play(6, 3, 0.75); play(10, 5, 0.8);
    } else if (sec === 'outro') {
      play(0, 7, 0.9);
    } else {
      play(0, 15, sec === 'intro' ? 0.6 + 0.1 * plan.barInSection(bar) : 0.8);
    }
  }
}

function renderLead(s: StemContext): void {
  const { Tone, plan } = s;
  const delay = new Tone.PingPongDelay({ delayTime: 3 * SIXTEENTH, feedback: 0.3, wet: 0.22 }).connect(s.out);
  const vibrato = new Tone.Vibrato({ frequency: 5.2, depth: 0.08, wet: 1 }).connect(delay);
  const lead = new Tone.MonoSynth({
    portamento: 0.025,
    oscillator: { type: 'fatsawtooth', count: 2, spread: 12 },
    filter: { type: 'lowpass', Q: 1, rolloff: -12 },
    envelope: { attack: 0.02, decay: 0.3, sustain: 0.75, release: 0.25 },
    filterEnvelope: { attack: 0.03, decay: 0.4, sustain: 0.5, release: 0.3, baseFrequency: 900, octaves: 2.2 },
  }).connect(vibrato);
  lead.volume.value = -8;
  for (let bar = 0; bar < plan.bars; bar++) {
    const sec = plan.section(bar);
    const inSec = plan.barInSection(bar);
    const len = plan.sectionLength(bar);
    let phrase: Phrase[number] = [];
    if (sec === 'chorus') {
      phrase = inSec === len - 1 && len >= 8 ? CHORUS_MELODY_END : CHORUS_MELODY[bar % 4];
    } else if (sec === 'verse' && inSec >= len - 4) {
      phrase = VERSE_MELODY[bar % 4];
    } else if (sec === 'breakdown') {
      phrase = BREAKDOWN_MELODY[bar % 4];
    } else if (sec === 'outro') {
      phrase = [[0, 8, 69]];
    }
    for (const [pos, n, midi] of phrase) {
      lead.triggerAttackRelease(midiToHz(midi), n * SIXTEENTH * 0.95, at(bar, pos), sec === 'breakdown' ? 0.7 : 0.9);
    }
  }
}

function renderPercussion(s: StemContext): void {
  const { Tone, plan, rand } = s;
  const shaker = noiseVoice(s, { filter: { type: 'bandpass', frequency: 6500, Q: 1.2 }, attack: 0.012, decay: 0.06, pan: -0.45 });
  const clap = noiseVoice(s, { filter: { type: 'bandpass', frequency: 1300, Q: 1.4 }, attack: 0.001, decay: 0.2 });
  const rimPan = new Tone.Panner(0.4).connect(s.out);
  const rim = new Tone.MembraneSynth({
    pitchDecay: 0.006,
    octaves: 1.5,
    envelope: { attack: 0.001, decay: 0.045, sustain: 0, release: 0.01 },
  }).connect(rimPan);
  rim.volume.value = -6;
  const accents = [0.55, 0.25, 0.85, 0.3];
  for (let bar = 0; bar < plan.bars; bar++) {
    const sec = plan.section(bar);
    const inSec = plan.barInSection(bar);
    if (sec === 'breakdown' || sec === 'outro') continue;
    if (sec === 'intro' && inSec < plan.sectionLength(bar) - 2) continue;
    for (let i = 0; i < 16; i++) shaker(at(bar, i), 0.02, accents[i % 4] * (0.85 + rand() * 0.15));
    if (sec === 'intro') continue;
    for (const r of [3, 10]) rim.triggerAttackRelease(1100, 0.03, at(bar, r), 0.7 + rand() * 0.1);
    if (sec === 'chorus') {
      for (const c of [4, 12]) {
        // A hand clap is a few smeared bursts, not one transient.
        const t = at(bar, c);
        clap(t, 0.004, 0.6); clap(t + 0.011, 0.004, 0.7); clap(t + 0.023, 0.04, 0.9);
      }
    }
  }
}

function renderArp(s: StemContext): void {
  const { Tone, plan } = s;
  const delay = new Tone.PingPongDelay({ delayTime: 3 * SIXTEENTH, feedback: 0.35, wet: 0.3 }).connect(s.out);
  const filter = new Tone.Filter({ type: 'lowpass', frequency: 2500, Q: 3 }).connect(delay);
  const synth = new Tone.Synth({
    oscillator: { type: 'square' },
    envelope: { attack: 0.003, decay: 0.12, sustain: 0.15, release: 0.08 },
  }).connect(filter);
  synth.volume.value = -14;
  const pattern = [0, 1, 2, 3, 1, 2, 3, 2];
  for (let bar = 0; bar < plan.bars; bar++) {
    const sec = plan.section(bar);
    if (sec === 'verse' || sec === 'outro') continue;
    const start = plan.barInSection(bar) === 0 ? at(bar, 0) : -1;
    if (start >= 0) {
      // Filter sweeps open through the intro and breakdown, sits bright in the chorus.
      const len = plan.sectionLength(bar) * BAR;
      if (sec === 'chorus') filter.frequency.setValueAtTime(3200, start);
      else {
        filter.frequency.setValueAtTime(500, start);
        filter.frequency.exponentialRampToValueAtTime(2600, start + len);
      }
    }
    const tones = PROGRESSION[bar % 4].arp;
    for (let i = 0; i < 16; i++) {
      synth.triggerAttackRelease(midiToHz(tones[pattern[i % 8]]), SIXTEENTH * 0.6, at(bar, i), i % 4 === 0 ? 0.9 : 0.65);
    }
  }
}

const STEMS: Array<{ name: string; seed: number; targetPeakDb: number; build: (s: StemContext) => void }> = [
  { name: 'Drums', seed: 0xd1, targetPeakDb: -3, build: renderDrums },
  { name: 'Bass', seed: 0xba, targetPeakDb: -4, build: renderBass },
  { name: 'Keys', seed: 0x4e, targetPeakDb: -6, build: renderKeys },
  { name: 'Lead', seed: 0x1e, targetPeakDb: -5, build: renderLead },
  { name: 'Percussion', seed: 0xfe, targetPeakDb: -6, build: renderPercussion },
  { name: 'Arp', seed: 0xa9, targetPeakDb: -6, build: renderArp },
];

// Relative level of each stem in the arranged mix, in dB (drums loudest).
const MIX_BALANCE_DB: Record<string, number> = {
  Drums: 0, Bass: -2, Keys: -7, Lead: -4, Percussion: -10, Arp: -9,
};

function peakOf(channels: Float32Array[]): number {
  let peak = 0;
  for (const ch of channels) for (let i = 0; i < ch.length; i++) { const a = Math.abs(ch[i]); if (a > peak) peak = a; }
  return peak;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export async function renderDemoStems(options: RenderDemoOptions = {}): Promise<DemoSong> {
  const durationSec = options.durationSec ?? 64;
  const sampleRate = options.sampleRate ?? 48000;
  if (!(durationSec > 0) || durationSec > 600) throw new RangeError(`durationSec must be in (0, 600], got ${durationSec}`);
  installWebAudioGlobals();
  const Tone: ToneModule = await import('tone');
  const length = Math.round(durationSec * sampleRate);
  const plan = makePlan(durationSec);

  const renderStem = async (def: (typeof STEMS)[number]): Promise<DemoStem> => {
    const offline = new Tone.OfflineContext(new OfflineAudioContext(2, length, sampleRate) as unknown as OfflineAudioContext);
    // Tone nodes bind to the global context at construction; the build is synchronous, so a
    // concurrently rendering stem never observes this context as global.
    Tone.setContext(offline);
    const out = new Tone.Gain(1).toDestination();
    def.build({ Tone, plan, out, rand: mulberry32(def.seed) });
    const rendered = await offline.render();
    const channels = [0, 1].map((c) => new Float32Array(rendered.getChannelData(c)));
    await offline.dispose();
    const peak = peakOf(channels);
    if (peak === 0) throw new Error(`Demo stem ${def.name} rendered silent`);
    // Deliver stems hot like a tracking session would; the arranged balance goes into suggestedGainDb.
    const gain = 10 ** (def.targetPeakDb / 20) / peak;
    for (const ch of channels) for (let j = 0; j < ch.length; j++) ch[j] *= gain;
    return { name: def.name, channels, sampleRate, peakDb: round1(20 * Math.log10(peakOf(channels))), suggestedGainDb: 0 };
  };

  // node-web-audio-api renders off the JS thread, so two stems in flight keep both cores busy.
  const stems: DemoStem[] = new Array(STEMS.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < STEMS.length) {
      const i = next++;
      stems[i] = await renderStem(STEMS[i]);
      done++;
      options.onProgress?.(done / STEMS.length);
    }
  };
  await Promise.all([worker(), worker()]);

  // Faders that recreate the arranged balance, then trim so the sum lands at -1 dBFS.
  const balanced = stems.map((s) => MIX_BALANCE_DB[s.name] - s.peakDb);
  const sum = [new Float32Array(length), new Float32Array(length)];
  stems.forEach((s, k) => {
    const g = 10 ** (balanced[k] / 20);
    for (let c = 0; c < 2; c++) for (let j = 0; j < length; j++) sum[c][j] += s.channels[c][j] * g;
  });
  const trim = -1 - 20 * Math.log10(peakOf(sum));
  stems.forEach((s, k) => { s.suggestedGainDb = round1(balanced[k] + trim); });

  return { title: 'Night Drive (Mixroom demo)', artist: 'Mixroom', tempo: DEMO_TEMPO, key: 'A minor', stems };
}
