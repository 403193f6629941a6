import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { ChunkCacheWriter, createChunkCacheBuffer, type ChunkCacheLayout } from './chunk-cache';
import { LiveMixCore } from './mix-core';
import { LiveMasterChain } from './master-chain-live';
import { statusBytes } from './mix-protocol';
import { AudioBufferSource } from '../offline/stem-source';
import { renderStream } from '../offline/stream';
import { channelAutomation } from '../offline/channel';
import { masterChainAutomation } from '../offline/master-automation';
import { musicLike } from '../loudness/test-signals';
import { SR, bufferFrom, db, mixOf, rms } from '../graph/test-support';
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
});
