import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { ChunkCacheReader, ChunkCacheWriter, createChunkCacheBuffer, type ChunkCacheLayout } from './chunk-cache';
import { LiveMixCore } from './mix-core';
import { GAIN_CHANNELS, GAIN_OUTPUT, METER_FIELDS, METER_PEAK, METER_UNDERRUNS, STATUS_UNDERRUNS, statusBytes, statusViews, type LiveChannelConfig } from './mix-protocol';
import { busAutomation } from '../offline/bus-automation';
import { TruePeakLimiterKernel } from '../dsp/limiter';
import { AudioBufferSource } from '../offline/stem-source';
import { renderStream } from '../offline/stream';
import { musicLike } from '../loudness/test-signals';
import { SR, bufferFrom, db, mixOf, rms, sines } from '../graph/test-support';
import { isAudible, type MixState } from '../model/mix-model';
import { channelAutomation } from '../offline/channel';

const LAYOUT: ChunkCacheLayout = { chunkFrames: 4096, slots: 8, channels: 2 };

/** A stem's chunk cache filled with chunks [from, to) of `data`. */
function cacheOf(data: Float32Array[], chunks: number[], layout = LAYOUT) {
  const buffer = createChunkCacheBuffer(layout);
  const writer = new ChunkCacheWriter(buffer, layout);
  chunks.forEach((k, slot) => writer.write(slot, k, data.map((d) => d.subarray(k * layout.chunkFrames, (k + 1) * layout.chunkFrames))));
  return { buffer, writer, reader: new ChunkCacheReader(buffer, layout) };
}

function ramp(frames: number, scale = 1e-6): Float32Array {
  return Float32Array.from({ length: frames }, (_, i) => i * scale);
}

describe('chunk cache', () => {
  it('reads across chunk boundaries from any slot, and says what it is missing', () => {
    const data = [ramp(8 * 4096), ramp(8 * 4096, -1e-6)];
    // Chunks out of order in the slots: the reader finds each by its tag.
    const { reader } = cacheOf(data, [3, 1, 2, 0]);
    const out = [new Float32Array(5000), new Float32Array(5000)];
    expect(reader.read(3000, 5000, out)).toBe(true);
    expect(Array.from(out[0].subarray(0, 3))).toEqual(Array.from(data[0].subarray(3000, 3003)));
    expect(out[1][4999]).toBe(data[1][7999]);
    expect(reader.has(0, 4 * 4096)).toBe(true);
    expect(reader.has(0, 4 * 4096 + 1)).toBe(false);
    // Chunk 4 is not there: the part from it is silence and the read reports it.
    out[0].fill(1);
    expect(reader.read(4 * 4096 - 10, 20, out)).toBe(false);
    expect(out[0][9]).toBe(data[0][4 * 4096 - 1]);
    expect(Array.from(out[0].subarray(10, 20))).toEqual(new Array(10).fill(0));
  });

  it('never returns a chunk that is being rewritten (seqlock)', () => {
    const data = [ramp(4 * 4096), ramp(4 * 4096)];
    const { buffer, reader } = cacheOf(data, [0]);
    const header = new Int32Array(buffer, 0, LAYOUT.slots * 2);
    Atomics.add(header, 1, 1); // the writer has started on slot 0
    const out = [new Float32Array(16), new Float32Array(16)];
    expect(reader.read(0, 16, out)).toBe(false);
    Atomics.add(header, 1, 1);
    expect(reader.read(0, 16, out)).toBe(true);
  });
});

/** A state whose master chain and returns are out of the way: the output is the channel sum. */
function dryMix(edit: Parameters<typeof mixOf>[1]): MixState {
  return mixOf(['music', 'bass', 'mono'], (m) => {
    m.setMasterParam('limiter.on', 0);
    m.setMasterParam('glue.on', 0);
    for (const id of ['music', 'bass', 'mono']) {
      m.setChannelParam(id, 'send1.level', -Infinity);
      m.setChannelParam(id, 'send2.level', -Infinity);
    }
    edit?.(m);
  });
}

function configsOf(state: MixState): LiveChannelConfig[] {
  return state.channels.map((c) => ({
    id: c.id,
    stemId: c.stemId,
    params: c.params,
    // An automated mute leaves the static switch out (as LiveChannels and renders do).
    audible: state.automation[`ch:${c.id}/mute`] ? isAudible(false, c.solo, state.anySolo) : c.audible,
    directOn: true,
    reverbOn: true,
    delayOn: true,
    automation: channelAutomation(state.automation, c.id),
  }));
}

function runCore(core: LiveMixCore, frames: number, from = 0): Float32Array[] {
  const out = [new Float32Array(frames), new Float32Array(frames)];
  const outputs = [0, 1, 2].map(() => [new Float32Array(128), new Float32Array(128)]);
  for (let f = 0; f < frames; f += 128) {
    const n = Math.min(128, frames - f);
    core.process(outputs, from + f, n);
    out[0].set(outputs[0][0].subarray(0, n), f);
    out[1].set(outputs[0][1].subarray(0, n), f);
  }
  return out;
}

describe('LiveMixCore', () => {
  beforeAll(() => installWebAudioGlobals());
  const seconds = 1;
  const frames = SR * seconds;
  const [ml, mr] = musicLike(SR, seconds, 7);
  const stems: Record<string, Float32Array[]> = {
    music: [ml, mr],
    bass: [sines([55, 110], 0.4, seconds), sines([55, 110], 0.4, seconds)],
    mono: [sines([440], 0.3, 0.6)], // shorter than the song, and mono
  };
  const state = dryMix((m) => {
    m.setChannelParam('music', 'hpf.on', 1);
    m.setChannelParam('music', 'eq3.gain', 4);
    m.setPan('music', -0.3);
    m.setChannelParam('bass', 'comp.on', 1);
    m.setChannelParam('bass', 'comp.threshold', -20);
    m.setChannelGain('mono', -6);
    m.setPan('mono', 0.7);
  });

  function loadedCore() {
    const status = new SharedArrayBuffer(statusBytes());
    const core = new LiveMixCore(SR, status);
    for (const [id, data] of Object.entries(stems)) {
      const layout = { ...LAYOUT, channels: data.length, slots: Math.ceil(data[0].length / LAYOUT.chunkFrames) };
      const chunks = Array.from({ length: layout.slots }, (_, k) => k);
      core.receive({ type: 'stem', stemId: id, buffer: cacheOf(data, chunks, layout).buffer, layout, length: data[0].length });
    }
    core.receive({ type: 'channels', channels: configsOf(state), immediate: true });
    return { core, status };
  }

  it('plays the mix exactly as the offline render does (same DSP, null)', async () => {
    const { core, status } = loadedCore();
    core.receive({ type: 'start', frame: 0, songFrame: 0, rate: 1 });
    const live = runCore(core, frames);
    const rendered = await renderStream({
      state,
      stems: new Map(Object.entries(stems).map(([id, d]) => [id, new AudioBufferSource(bufferFrom(d))])),
      sampleRate: SR,
      startFrame: 0,
      length: frames,
      focus: { kind: 'mix' },
      onProgress: () => undefined,
    });
    const diff = live[0].map((x, i) => x - rendered.getChannelData(0)[i]);
    const nullDb = db(rms(diff)) - db(rms(live[0]));
    expect(rms(live[0])).toBeGreaterThan(0.05);
    expect(nullDb).toBeLessThan(-140);
    // The mono stem ends at 0.6 s: silence after it is not an underrun.
    expect(statusViews(status).header[STATUS_UNDERRUNS]).toBe(0);
  });

  it('a stem that arrives after its strip plays as if it had been there first (a mono stem panned as mono)', () => {
    const { core: first } = loadedCore();
    first.receive({ type: 'start', frame: 0, songFrame: 0, rate: 1 });
    const expected = runCore(first, 8192);
    // The page sends the mix once; stems turn playable afterwards, one by one, with no mix resent.
    const late = new LiveMixCore(SR, new SharedArrayBuffer(statusBytes()));
    late.receive({ type: 'channels', channels: configsOf(state), immediate: true });
    for (const [id, data] of Object.entries(stems)) {
      const layout = { ...LAYOUT, channels: data.length, slots: Math.ceil(data[0].length / LAYOUT.chunkFrames) };
      late.receive({ type: 'stem', stemId: id, buffer: cacheOf(data, Array.from({ length: layout.slots }, (_, k) => k), layout).buffer, layout, length: data[0].length });
    }
    late.receive({ type: 'start', frame: 0, songFrame: 0, rate: 1 });
    const got = runCore(late, 8192);
    for (const c of [0, 1]) {
      expect(rms(expected[c])).toBeGreaterThan(0.05);
      expect(Array.from(got[c])).toEqual(Array.from(expected[c]));
    }
  });

  it('starts and stops on the exact frame, mid-block', () => {
    const { core } = loadedCore();
    core.receive({ type: 'start', frame: 1000, songFrame: 0, rate: 1 });
    core.receive({ type: 'stop', frame: 3001 });
    const out = runCore(core, 4096);
    expect(out[0].subarray(0, 1000).every((x) => x === 0)).toBe(true);
    expect(rms(out[0], 1000, 3001)).toBeGreaterThan(0.01);
    expect(out[0].subarray(3001).every((x) => x === 0)).toBe(true);
  });

  it('a start that arrives after its frame plays from where the song is by now', () => {
    const { core: late } = loadedCore();
    runCore(late, 2048); // the audio thread is already past frame 1000 when the start arrives
    late.receive({ type: 'start', frame: 1000, songFrame: 0, rate: 1 });
    const lateOut = runCore(late, 4096, 2048);
    const { core: onTime } = loadedCore();
    onTime.receive({ type: 'start', frame: 1000, songFrame: 0, rate: 1 });
    const onTimeOut = runCore(onTime, 2048 + 4096);
    // The late one starts at context frame 2048 on song frame 1048, as the on-time one is then;
    // after the filters settle both play the same samples.
    const a = lateOut[0].subarray(2000, 4096);
    const b = onTimeOut[0].subarray(2048 + 2000, 2048 + 4096);
    expect(rms(b)).toBeGreaterThan(0.01);
    expect(db(rms(a.map((x, i) => x - b[i]))) - db(rms(b))).toBeLessThan(-20);
  });

  it('a seek (start at another song frame) plays that part of the song', () => {
    const { core } = loadedCore();
    core.receive({ type: 'start', frame: 0, songFrame: 12000, rate: 1 });
    const fromMiddle = runCore(core, 24000);
    const ref = loadedCore().core;
    ref.receive({ type: 'start', frame: 0, songFrame: 0, rate: 1 });
    const whole = runCore(ref, 36000);
    // Filter and compressor state differ right after the jump; once they settle the signal is the song's.
    const a = fromMiddle[0].subarray(20000, 24000);
    const b = whole[0].subarray(32000, 36000);
    expect(db(rms(a.map((x, i) => x - b[i]))) - db(rms(b))).toBeLessThan(-20);
  });

  it('counts the blocks a stem could not deliver, and plays the others', () => {
    const status = new SharedArrayBuffer(statusBytes());
    const core = new LiveMixCore(SR, status);
    // Only chunk 0 of the bass is cached.
    core.receive({ type: 'stem', stemId: 'bass', buffer: cacheOf(stems.bass, [0]).buffer, layout: LAYOUT, length: frames });
    core.receive({ type: 'channels', channels: configsOf(state).filter((c) => c.id === 'bass'), immediate: true });
    core.receive({ type: 'start', frame: 0, songFrame: 0, rate: 1 });
    const out = runCore(core, 8192);
    expect(rms(out[0], 0, 4096)).toBeGreaterThan(0.05);
    expect(rms(out[0], 4096 + 256, 8192)).toBe(0);
    const { header, meters } = statusViews(status);
    expect(header[STATUS_UNDERRUNS]).toBe(32);
    expect(meters[METER_UNDERRUNS]).toBe(32);
    expect(meters[METER_FIELDS + METER_PEAK]).toBe(0);
  });

  it('a fader move glides (no step) and lands on its value', () => {
    const { core } = loadedCore();
    const one = configsOf(state).filter((c) => c.id === 'bass');
    core.receive({ type: 'channels', channels: one, immediate: true });
    core.receive({ type: 'start', frame: 0, songFrame: 0, rate: 1 });
    // 9,600 frames hold exactly 11 periods of 55 Hz (and 22 of 110 Hz).
    const before = runCore(core, 19200);
    const quieter = one.map((c) => ({ ...c, params: { ...c.params, gain: c.params.gain - 12 } }));
    core.receive({ type: 'channels', channels: quieter, immediate: false });
    const after = runCore(core, 19200, 19200);
    const largestStep = Math.max(...after[0].subarray(1).map((x, i) => Math.abs(x - after[0][i])));
    expect(largestStep).toBeLessThan(0.05);
    expect(db(rms(after[0], 9600, 19200)) - db(rms(before[0], 9600, 19200))).toBeCloseTo(-12, 1);
  });

  it('plays automation exactly as the offline render does, however the blocks are cut (null)', async () => {
    const ride = dryMix((m) => {
      m.setChannelParam('bass', 'comp.on', 1);
      m.automation.setPoints('ch:music/gain', [{ t: 0.1, v: -20, shape: 'linear' }, { t: 0.4, v: 3, shape: 'exp' }, { t: 0.7, v: -6, shape: 'hold' }, { t: 0.9, v: 0, shape: 'linear' }]);
      m.automation.setPoints('ch:music/pan', [{ t: 0, v: -0.8, shape: 'linear' }, { t: 0.8, v: 0.6, shape: 'linear' }]);
      m.automation.setPoints('ch:mono/pan', [{ t: 0.05, v: 1, shape: 'linear' }, { t: 0.5, v: -1, shape: 'linear' }]);
      m.setMute('bass', true); // the lane, not the switch, mutes
      m.automation.setPoints('ch:bass/mute', [{ t: 0, v: 0, shape: 'hold' }, { t: 0.3, v: 1, shape: 'hold' }, { t: 0.6, v: 0, shape: 'hold' }]);
      // The send rides too (output 1); its return is muted so the render's output is the dry sum.
      m.automation.setPoints('ch:music/send1.level', [{ t: 0, v: -90, shape: 'linear' }, { t: 1, v: 0, shape: 'linear' }]);
      m.setFxParam('reverb', 'return.mute', 1);
      // Inside the strip: an EQ band sweeping through 0 dB, its frequency, the high-pass and the compressor.
      m.automation.setPoints('ch:music/eq2.gain', [{ t: 0, v: -12, shape: 'linear' }, { t: 0.5, v: 12, shape: 'hold' }, { t: 0.7, v: -6, shape: 'exp' }, { t: 1, v: 3, shape: 'linear' }]);
      m.automation.setPoints('ch:music/eq2.freq', [{ t: 0, v: 200, shape: 'exp' }, { t: 1, v: 4000, shape: 'linear' }]);
      m.setChannelParam('music', 'hpf.on', 1);
      m.automation.setPoints('ch:music/hpf.freq', [{ t: 0.1, v: 30, shape: 'exp' }, { t: 0.9, v: 800, shape: 'linear' }]);
      m.automation.setPoints('ch:bass/comp.threshold', [{ t: 0, v: 0, shape: 'linear' }, { t: 0.8, v: -40, shape: 'linear' }]);
      // Switches: inside the strip they flip on their breakpoint's frame, on the gains on the grid.
      m.automation.setPoints('ch:music/eq2.on', [{ t: 0, v: 1, shape: 'hold' }, { t: 0.33331, v: 0, shape: 'hold' }, { t: 0.61, v: 1, shape: 'hold' }]);
      m.automation.setPoints('ch:music/hpf.slope', [{ t: 0, v: 0, shape: 'hold' }, { t: 0.45, v: 3, shape: 'hold' }]);
      m.automation.setPoints('ch:bass/comp.on', [{ t: 0, v: 1, shape: 'hold' }, { t: 0.2, v: 0, shape: 'hold' }, { t: 0.52, v: 1, shape: 'hold' }]);
      m.automation.setPoints('ch:mono/polarity', [{ t: 0, v: 0, shape: 'hold' }, { t: 0.25, v: 1, shape: 'hold' }]);
      m.automation.setPoints('ch:music/pan.law', [{ t: 0, v: 0, shape: 'hold' }, { t: 0.5, v: 1, shape: 'hold' }]);
      m.automation.setPoints('ch:music/send1.pre', [{ t: 0, v: 0, shape: 'hold' }, { t: 0.3, v: 1, shape: 'hold' }]);
    });
    const status = new SharedArrayBuffer(statusBytes());
    const core = new LiveMixCore(SR, status);
    for (const [id, data] of Object.entries(stems)) {
      const layout = { ...LAYOUT, channels: data.length, slots: Math.ceil(data[0].length / LAYOUT.chunkFrames) };
      core.receive({ type: 'stem', stemId: id, buffer: cacheOf(data, Array.from({ length: layout.slots }, (_, k) => k), layout).buffer, layout, length: data[0].length });
    }
    core.receive({ type: 'channels', channels: configsOf(ride), immediate: true });
    // Play starts mid-block: every block after it is cut off the automation grid.
    const at = 1000;
    core.receive({ type: 'start', frame: at, songFrame: 0, rate: 1 });
    const live = runCore(core, frames + at);
    const rendered = await renderStream({
      state: ride,
      stems: new Map(Object.entries(stems).map(([id, d]) => [id, new AudioBufferSource(bufferFrom(d))])),
      sampleRate: SR,
      startFrame: 0,
      length: frames,
      focus: { kind: 'mix' },
      onProgress: () => undefined,
    });
    for (const c of [0, 1]) {
      const l = live[c].subarray(at);
      const r = rendered.getChannelData(c);
      const diff = l.map((x, i) => x - r[i]);
      expect(rms(l)).toBeGreaterThan(0.02);
      expect(db(rms(diff)) - db(rms(l))).toBeLessThan(-140);
    }
  });
});

describe('LiveMixCore bus gain controls', () => {
  beforeAll(() => installWebAudioGlobals());
  const seconds = 1;
  const frames = SR * seconds;
  // Quiet enough that the limiter never acts: after it, the ratio of two renders is the fader.
  const tone = sines([1000], 0.02, seconds);
  const lanes = (m: Parameters<Parameters<typeof mixOf>[1] & object>[0]) => {
    m.setFxParam('reverb', 'return.gain', 0);
    m.automation.setPoints('fx:reverb/return.gain', [{ t: 0.1, v: -24, shape: 'exp' }, { t: 0.5, v: 2, shape: 'hold' }, { t: 0.7, v: -8, shape: 'linear' }, { t: 0.9, v: 0, shape: 'linear' }]);
    m.automation.setPoints('master/gain', [{ t: 0.05, v: 0, shape: 'linear' }, { t: 0.35, v: -30, shape: 'exp' }, { t: 0.6, v: -3, shape: 'hold' }, { t: 0.8, v: -10, shape: 'linear' }]);
  };
  /** Only the reverb return is heard (pre-fader send, the fader down); limiter on for its look-ahead. */
  const session = (withLanes: boolean) =>
    mixOf(['vox'], (m) => {
      m.setChannelGain('vox', -Infinity);
      m.setChannelParam('vox', 'send1.level', 0);
      m.setChannelParam('vox', 'send1.pre', 1);
      m.setChannelParam('vox', 'send2.level', -Infinity);
      m.setMasterParam('glue.on', 0);
      m.setMasterParam('limiter.on', 1);
      m.setMasterGain(0);
      if (withLanes) lanes(m);
    });
  const renderOf = async (state: MixState) =>
    (
      await renderStream({ state, stems: new Map([['vox', new AudioBufferSource(bufferFrom([tone]))]]), sampleRate: SR, startFrame: 0, length: frames, focus: { kind: 'mix' }, onProgress: () => undefined })
    ).getChannelData(0).slice();

  it('put out, on every frame, the gain the render applies to the reverb return and after the limiter (started mid-block)', async () => {
    const state = session(true);
    // The gain the render applied at each output frame: the ridden render over the plain one.
    const ridden = await renderOf(state);
    const plain = await renderOf(session(false));
    const core = new LiveMixCore(SR, new SharedArrayBuffer(statusBytes()));
    const latency = new TruePeakLimiterKernel(SR, 1, { on: true, ceilingDb: -1, releaseMs: 60 }).latency;
    core.receive({ type: 'buses', buses: busAutomation(state, { kind: 'mix' }), masterDelay: latency });
    const at = 1000;
    core.receive({ type: 'start', frame: at, songFrame: 0, rate: 1 });
    const total = at + frames + latency;
    const gains = GAIN_CHANNELS.map(() => new Float32Array(total));
    const outputs = [0, 1, 2].map(() => [new Float32Array(128), new Float32Array(128)]);
    outputs.push(GAIN_CHANNELS.map(() => new Float32Array(128)));
    for (let f = 0; f < total; f += 128) {
      const n = Math.min(128, total - f);
      core.process(outputs, f, n);
      GAIN_CHANNELS.forEach((_, c) => gains[c].set(outputs[GAIN_OUTPUT][c].subarray(0, n), f));
    }
    const reverb = gains[GAIN_CHANNELS.indexOf('reverb')];
    const master = gains[GAIN_CHANNELS.indexOf('master')];
    expect(gains[GAIN_CHANNELS.indexOf('delay')].every((g) => g === 0)).toBe(true);
    // Output frame j of the render is song frame j; live, context frame at + j carries it into
    // the return, and at + j + latency out of the limiter into the master fader.
    let worst = 0;
    let read = 0;
    for (let j = Math.round(0.05 * SR); j < frames; j++) {
      if (Math.abs(plain[j]) < 1e-4) continue;
      const applied = ridden[j] / plain[j];
      worst = Math.max(worst, Math.abs(db(Math.abs(applied)) - db(reverb[at + j] * master[at + j + latency])));
      read++;
    }
    console.log(`live bus gain controls vs the gains the render applied: within ${worst.toExponential(2)} dB at ${read} frames`);
    expect(read).toBeGreaterThan(SR / 2);
    expect(worst).toBeLessThan(1e-3);
    // Stopped, the controls hold where the song stopped (a reverb tail keeps its level).
    core.receive({ type: 'stop', frame: total + 100 });
    const held = [0, 1, 2].map(() => [new Float32Array(128), new Float32Array(128)]);
    held.push(GAIN_CHANNELS.map(() => new Float32Array(128)));
    for (let f = total; f < total + 512; f += 128) core.process(held, f, 128);
    const r = held[GAIN_OUTPUT][GAIN_CHANNELS.indexOf('reverb')];
    expect(r.every((g) => g === r[0])).toBe(true);
    expect(r[0]).toBeCloseTo(1, 6);
  });
});
