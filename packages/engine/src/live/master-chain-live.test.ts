import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { ChunkCacheWriter, createChunkCacheBuffer, type ChunkCacheLayout } from './chunk-cache';
import { LiveMixCore } from './mix-core';
import { LiveMasterChain } from './master-chain-live';
import { statusBytes } from './mix-protocol';
import { AudioBufferSource } from '../offline/stem-source';
import { renderStream } from '../offline/stream';
import { TONE_SMOOTHING_SECONDS, channelAutomation } from '../offline/channel';
import { masterChainAutomation, returnChainAutomation } from '../offline/master-automation';
import { musicLike } from '../loudness/test-signals';
import { SR, amplitudeAt, bufferFrom, db, mixOf, rms } from '../graph/test-support';
import type { MixState } from '../model/mix-model';

const p = (t: number, v: number, shape: 'linear' | 'exp' | 'hold' = 'linear') => ({ t, v, shape });

describe('live master chain with lanes', () => {
  beforeAll(() => installWebAudioGlobals());
  const seconds = 1;
  const frames = SR * seconds;
  const music = musicLike(SR, seconds, 3).map((x) => x.map((v) => v * 2.5));

  const state: MixState = mixOf(['music'], (m) => {
    m.setChannelParam('music', 'send1.level', -Infinity);
    m.setChannelParam('music', 'send2.level', -Infinity);
    m.setMasterParam('glue.on', 1);
    m.setMasterParam('limiter.on', 1);
    m.automation.setPoints('master/eq2.gain', [p(0, -12), p(0.5, 12, 'exp'), p(0.8, -3)]);
    m.automation.setPoints('master/eq3.freq', [p(0.1, 800, 'exp'), p(0.9, 6000)]);
    m.automation.setPoints('master/eq1.on', [p(0, 1, 'hold'), p(0.3001, 0, 'hold'), p(0.62, 1, 'hold')]);
    m.setMasterParam('eq1.gain', 6);
    m.automation.setPoints('master/glue.threshold', [p(0, 0), p(0.7, -30)]);
    m.automation.setPoints('master/limiter.ceiling', [p(0, -1), p(1, -9)]);
    m.automation.setPoints('master/limiter.drive', [p(0.2, 0, 'hold'), p(0.6, 6)]);
    m.automation.setPoints('master/glue.on', [p(0, 1, 'hold'), p(0.85, 0, 'hold')]);
  });

  it('plays the master lanes exactly as the offline render does, started mid-block (null)', async () => {
    const status = new SharedArrayBuffer(statusBytes());
    const core = new LiveMixCore(SR, status);
    const layout: ChunkCacheLayout = { chunkFrames: 4096, slots: Math.ceil(frames / 4096), channels: 2 };
    const buffer = createChunkCacheBuffer(layout);
    const writer = new ChunkCacheWriter(buffer, layout);
    for (let k = 0; k < layout.slots; k++) writer.write(k, k, music.map((d) => d.subarray(k * 4096, (k + 1) * 4096)));
    core.receive({ type: 'stem', stemId: 'music', buffer, layout, length: frames });
    const ch = state.channels[0];
    core.receive({
      type: 'channels',
      immediate: true,
      channels: [{ id: ch.id, stemId: ch.stemId, params: ch.params, audible: true, directOn: true, reverbOn: true, delayOn: true, automation: channelAutomation(state.automation, ch.id) }],
    });
    const lanes = masterChainAutomation(state.automation, true);
    expect(Object.keys(lanes ?? {}).length).toBe(7);
    const chain = new LiveMasterChain(SR, { type: 'master-chain', params: state.master.params, lanes, status });
    const latency = chain.dsp.latency;
    const at = 1000;
    core.receive({ type: 'start', frame: at, songFrame: 0, rate: 1 });
    const total = at + frames + latency;
    const live = [new Float32Array(total), new Float32Array(total)];
    const outputs = [0, 1, 2].map(() => [new Float32Array(128), new Float32Array(128)]);
    for (let f = 0; f < total; f += 128) {
      const n = Math.min(128, total - f);
      core.process(outputs, f, n);
      // The master worklet, later in the same quantum: the dry sum (no returns here) through the chain.
      const dry = outputs[0].map((c) => c.subarray(0, n));
      chain.process(dry, n, f);
      live[0].set(dry[0], f);
      live[1].set(dry[1], f);
    }
    const rendered = await renderStream({
      state,
      stems: new Map([['music', new AudioBufferSource(bufferFrom(music))]]),
      sampleRate: SR,
      startFrame: 0,
      length: frames,
      focus: { kind: 'mix' },
      onProgress: () => undefined,
    });
    for (const c of [0, 1]) {
      // Render frame j is song frame j; live, it leaves the limiter at context frame at + j + latency.
      const l = live[c].subarray(at + latency, at + latency + frames);
      const r = rendered.getChannelData(c);
      const diff = l.map((x, i) => x - r[i]);
      const nullDb = db(rms(diff)) - db(rms(l));
      console.log(`live master chain vs render, channel ${c}: null ${nullDb.toFixed(1)} dB`);
      expect(rms(l)).toBeGreaterThan(0.05);
      expect(nullDb).toBeLessThan(-140);
    }
  });

  it('plays the delay return\'s effect and EQ lanes exactly as the offline render does (null)', async () => {
    const ride: MixState = mixOf(['music'], (m) => {
      m.setChannelGain('music', -6);
      m.setChannelParam('music', 'send1.level', -Infinity);
      m.setChannelParam('music', 'send2.level', -3);
      m.setMasterParam('glue.on', 0);
      m.setMasterParam('limiter.on', 0);
      m.automation.setPoints('fx:delay/delay.time', [p(0, 120), p(0.4, 300, 'hold'), p(0.6, 90)]);
      m.automation.setPoints('fx:delay/delay.feedback', [p(0, 20), p(1, 80)]);
      m.automation.setPoints('fx:delay/delay.highcut', [p(0, 12000, 'exp'), p(1, 2000)]);
      m.automation.setPoints('fx:delay/delay.sync', [p(0, 0, 'hold'), p(0.8, 4, 'hold')]);
      m.automation.setPoints('fx:delay/eq3.gain', [p(0, -6), p(1, 6)]);
      m.automation.setPoints('fx:delay/eq.on', [p(0, 1, 'hold'), p(0.9, 0, 'hold')]);
    });
    const status = new SharedArrayBuffer(statusBytes());
    const core = new LiveMixCore(SR, status);
    const layout: ChunkCacheLayout = { chunkFrames: 4096, slots: Math.ceil(frames / 4096), channels: 2 };
    const buffer = createChunkCacheBuffer(layout);
    const writer = new ChunkCacheWriter(buffer, layout);
    for (let k = 0; k < layout.slots; k++) writer.write(k, k, music.map((d) => d.subarray(k * 4096, (k + 1) * 4096)));
    core.receive({ type: 'stem', stemId: 'music', buffer, layout, length: frames });
    const ch = ride.channels[0];
    core.receive({
      type: 'channels',
      immediate: true,
      channels: [{ id: ch.id, stemId: ch.stemId, params: ch.params, audible: true, directOn: true, reverbOn: false, delayOn: true, automation: channelAutomation(ride.automation, ch.id) }],
    });
    const lanes = returnChainAutomation(ride.automation, 'delay');
    expect(Object.keys(lanes ?? {}).length).toBe(6);
    const delay = new LiveMasterChain(SR, { type: 'master-chain', kind: 'delay', tempo: ride.master.params.tempo, params: ride.fx.delay.params, lanes, status });
    const at = 1000;
    core.receive({ type: 'start', frame: at, songFrame: 0, rate: 1 });
    const total = at + frames;
    const live = [new Float32Array(total), new Float32Array(total)];
    const outputs = [0, 1, 2].map(() => [new Float32Array(128), new Float32Array(128)]);
    for (let f = 0; f < total; f += 128) {
      const n = Math.min(128, total - f);
      core.process(outputs, f, n);
      // The delay worklet, later in the quantum, on the delay send; its return (0 dB) joins the dry sum.
      const send = outputs[2].map((c) => c.subarray(0, n));
      delay.process(send, n, f);
      for (const c of [0, 1]) for (let i = 0; i < n; i++) live[c][f + i] = outputs[0][c][i] + send[c][i];
    }
    const rendered = await renderStream({
      state: ride,
      stems: new Map([['music', new AudioBufferSource(bufferFrom(music))]]),
      sampleRate: SR,
      startFrame: 0,
      length: frames,
      focus: { kind: 'mix' },
      onProgress: () => undefined,
    });
    for (const c of [0, 1]) {
      const l = live[c].subarray(at, at + frames);
      const r = rendered.getChannelData(c);
      const diff = l.map((x, i) => x - r[i]);
      const nullDb = db(rms(diff)) - db(rms(l));
      console.log(`live delay return vs render, channel ${c}: null ${nullDb.toFixed(1)} dB`);
      expect(rms(l)).toBeGreaterThan(0.05);
      expect(nullDb).toBeLessThan(-140);
    }
  });

  it('holds the lanes where the song stopped, and when the mix worklet did not run this quantum', () => {
    // A master EQ band ramping 0 → +12 dB over 1 s at 1 kHz; the song stops at 0.5 s (+6 dB).
    const lanes = masterChainAutomation(mixOf(['music'], (m) => m.automation.setPoints('master/eq2.gain', [p(0, 0), p(1, 12)])).automation, true)!;
    const params = { ...state.master.params, 'eq2.freq': 1000, 'eq2.q': 1, 'limiter.on': 0, 'glue.on': 0 };
    const status = new SharedArrayBuffer(statusBytes());
    const core = new LiveMixCore(SR, status);
    const chain = new LiveMasterChain(SR, { type: 'master-chain', params, lanes, status });
    const stopAt = SR / 2;
    core.receive({ type: 'start', frame: 0, songFrame: 0, rate: 1 });
    core.receive({ type: 'stop', frame: stopAt });
    const outputs = [0, 1, 2].map(() => [new Float32Array(128), new Float32Array(128)]);
    const tone = (f: number, n: number) => [0, 1].map(() => Float32Array.from({ length: n }, (_, i) => 0.1 * Math.sin((2 * Math.PI * 1000 * (f + i)) / SR)));
    const heard = new Float32Array(SR);
    for (let f = 0; f < SR; f += 128) {
      // Silence from the (empty) core; the chain gets a steady tone, as a reverb tail would keep sounding.
      core.process(outputs, f, 128);
      const x = tone(f, 128);
      chain.process(x, 128, f);
      heard.set(x[0], f);
    }
    const level = (from: number) => db(amplitudeAt(heard, 1000, from, from + 4800) / 0.1);
    // Stopped at song frame 24000 (+6 dB on the lane; the smoothed value lags it by 10 ms: +5.88): the band stays there.
    const held = 12 * (0.5 - TONE_SMOOTHING_SECONDS);
    expect(level(SR / 2 + 4800)).toBeCloseTo(held, 1);
    expect(level(SR - 4800)).toBeCloseTo(held, 1);
    // The mix worklet not running (its status is of an older quantum): held where the song last was.
    const stale = tone(SR, 4800);
    for (let f = 0; f < 4800; f += 128) chain.process(stale.map((c) => c.subarray(f, f + 128)), 128, SR + 128 * 1000 + f);
    expect(db(amplitudeAt(stale[0], 1000, 2400, 4800) / 0.1)).toBeCloseTo(held, 1);
  });
});
