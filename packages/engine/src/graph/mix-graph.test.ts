import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadTone } from '../node/tone';
import type { ToneLib } from './mix-graph';
import { renderMixOffline } from './render';
import { MixGraph } from './mix-graph';
import { SR, renderWithTone } from './test-support';
import { MixModel, initializeMix, type MixState } from '../model/mix-model';

let Tone: ToneLib;

beforeAll(async () => {
  Tone = await loadTone();
});

function sineStem(freq: number, amplitude: number, seconds: number, stereo = false): AudioBuffer {
  const length = Math.round(seconds * SR);
  const buffer = new AudioBuffer({ length, numberOfChannels: stereo ? 2 : 1, sampleRate: SR });
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const data = buffer.getChannelData(c);
    for (let i = 0; i < length; i++) data[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / SR);
  }
  return buffer;
}

function rms(data: Float32Array, from = 0, to = data.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += data[i] * data[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

const db = (x: number) => 20 * Math.log10(x);

function mixWith(edit: (m: MixModel) => void): MixState {
  const doc = new Y.Doc();
  initializeMix(doc, [
    { id: 'a', name: 'A', stemId: 'sa' },
    { id: 'b', name: 'B', stemId: 'sb' },
  ]);
  const model = new MixModel(doc);
  edit(model);
  return model.getState();
}

const stems = () =>
  new Map([
    ['sa', sineStem(440, 0.25, 1)],
    ['sb', sineStem(1000, 0.25, 1)],
  ]);

describe('MixGraph rendered offline', () => {
  it('the fader sets the level in dB', async () => {
    const unity = await renderMixOffline(Tone, mixWith((m) => m.setMute('b', true)), stems(), { sampleRate: SR });
    const down = await renderMixOffline(
      Tone,
      mixWith((m) => {
        m.setMute('b', true);
        m.setChannelGain('a', -6);
      }),
      stems(),
      { sampleRate: SR },
    );
    const l0 = rms(unity.getChannelData(0), 4800);
    const l1 = rms(down.getChannelData(0), 4800);
    expect(db(l1 / l0)).toBeCloseTo(-6, 1);
    // A mono source panned centre is -3 dB per side (equal-power law).
    expect(db(l0 / (0.25 / Math.SQRT2))).toBeCloseTo(-3.01, 1);
  });

  it('pan hard left leaves the right channel silent; the law is equal-power', async () => {
    const out = await renderMixOffline(
      Tone,
      mixWith((m) => {
        m.setMute('b', true);
        m.setPan('a', -1);
      }),
      stems(),
      { sampleRate: SR },
    );
    const left = rms(out.getChannelData(0), 4800);
    const right = rms(out.getChannelData(1), 4800);
    expect(right).toBeLessThan(1e-4);
    expect(db(left / (0.25 / Math.SQRT2))).toBeCloseTo(0, 1);
  });

  it('mute, solo and the master fader act on the output', async () => {
    const silent = await renderMixOffline(Tone, mixWith((m) => m.setMasterGain(-90)), stems(), { sampleRate: SR });
    expect(rms(silent.getChannelData(0))).toBeLessThan(1e-6);

    const soloB = await renderMixOffline(Tone, mixWith((m) => m.setSolo('b', true)), stems(), { sampleRate: SR });
    const onlyB = await renderMixOffline(Tone, mixWith((m) => m.setMute('a', true)), stems(), { sampleRate: SR });
    const diff = soloB.getChannelData(0).map((x, i) => x - onlyB.getChannelData(0)[i]);
    expect(rms(diff)).toBeLessThan(1e-6);
    expect(rms(soloB.getChannelData(0))).toBeGreaterThan(0.1);
  });

  it('renders a time range starting mid-song', async () => {
    const buffer = new AudioBuffer({ length: SR, numberOfChannels: 1, sampleRate: SR });
    buffer.getChannelData(0).fill(0.5, SR / 2); // silence, then DC from 0.5 s
    const state = mixWith((m) => m.setMute('b', true));
    const out = await renderMixOffline(Tone, state, new Map([['sa', buffer], ['sb', buffer]]), {
      sampleRate: SR,
      startSeconds: 0.5,
      durationSeconds: 0.25,
    });
    expect(out.length).toBe(SR / 4);
    expect(rms(out.getChannelData(0), 100)).toBeGreaterThan(0.3);
  });

  it('a fast fader drag while playing glides without clicks', async () => {
    const out = await renderWithTone(Tone, SR, () => {
      const doc = new Y.Doc();
      initializeMix(doc, [{ id: 'a', name: 'A', stemId: 'sa' }]);
      const model = new MixModel(doc);
      const graph = new MixGraph(Tone);
      // DC makes any discontinuity of the gain directly visible as a step in the output.
      const dc = new AudioBuffer({ length: SR, numberOfChannels: 1, sampleRate: SR });
      dc.getChannelData(0).fill(0.5);
      graph.setStemBuffer('sa', dc);
      graph.apply(model.getState(), { immediate: true });
      Tone.getTransport().start(0);
      // A drag from 0 dB to -60 dB and back in 100 ms, one step per render quantum.
      for (let step = 0; step < 38; step++) {
        const t = 0.2 + step * (128 / SR);
        Tone.getTransport().scheduleOnce(() => {
          model.setChannelGain('a', step < 19 ? -60 * (step / 18) : -60 + 60 * ((step - 19) / 18));
          graph.apply(model.getState());
        }, t);
      }
      return graph;
    });
    const data = out.getChannelData(0);
    let maxJump = 0;
    for (let i = SR * 0.15; i < SR * 0.5; i++) maxJump = Math.max(maxJump, Math.abs(data[i] - data[i - 1]));
    // An unsmoothed step of the drag would jump by up to ~0.1 per sample here.
    expect(maxJump).toBeLessThan(0.01);
  });

  it('a playback-rate nudge moves every stem through its audio slightly faster', async () => {
    let graph: MixGraph | null = null;
    const out = await renderWithTone(Tone, SR, () => {
      const doc = new Y.Doc();
      initializeMix(doc, [{ id: 'a', name: 'A', stemId: 'sa' }]);
      graph = new MixGraph(Tone);
      // A ramp whose value is its own time in seconds: the output tells the read position.
      const ramp = new AudioBuffer({ length: 2 * SR, numberOfChannels: 1, sampleRate: SR });
      const data = ramp.getChannelData(0);
      for (let i = 0; i < data.length; i++) data[i] = i / SR;
      graph.setStemBuffer('sa', ramp);
      graph.setPlaybackRate(1.01);
      graph.apply(new MixModel(doc).getState(), { immediate: true });
      Tone.getTransport().start(0);
      return graph;
    });
    const readPosition = out.getChannelData(0)[SR / 2] * Math.SQRT2; // undo the centre pan's −3 dB
    expect(readPosition).toBeCloseTo(0.505, 3);
    expect(graph!.playbackRate).toBe(1.01);
  });
});
