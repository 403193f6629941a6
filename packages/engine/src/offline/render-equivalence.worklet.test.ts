import { describe, expect, it } from 'vitest';
import { musicLike } from '../loudness/test-signals';
import { installDynamicsWorklet } from '../node/worklets';
import { loadTone } from '../node/tone';
import { MixGraph } from '../graph/mix-graph';
import type { MixState } from '../model/mix-model';
import { SR, bufferFrom, db, mixOf, render, rms, sines } from '../graph/test-support';

/**
 * One definition of the sound: renders stream through the engine's own kernels (offline/),
 * live playback runs the native-node graph with the kernels in AudioWorklets (graph/). Here
 * both render the same session — the live graph in an OfflineAudioContext with the worklets
 * loaded — and their difference must be far below the mix (measured: −142 dB; only rounding differs).
 * `*.worklet.test.ts` runs on its own after the rest of `npm run test:unit`: node-web-audio-api
 * hands every block of every worklet to another thread and back, which crawls (1 s alone, over
 * 2 minutes) when the other suites keep both cores busy.
 */
const SECONDS = 0.8;

function stems(): Record<string, Float32Array[]> {
  const [ml, mr] = musicLike(SR, SECONDS, 11);
  const click = new Float32Array(SR * SECONDS);
  for (let i = 0; i < click.length; i += SR / 4) click.fill(0.7, i, i + 150);
  return { music: [ml, mr], bass: [sines([55, 110], 0.3, SECONDS)], click: [click] };
}

function session(): MixState {
  return mixOf(['music', 'bass', 'click'], (m) => {
    m.setChannelParam('music', 'hpf.on', 1);
    m.setChannelParam('music', 'hpf.freq', 120);
    m.setChannelParam('music', 'hpf.slope', 2);
    m.setChannelParam('music', 'eq2.gain', -4);
    m.setChannelParam('music', 'eq4.gain', 3);
    m.setChannelParam('music', 'eq4.q', 3);
    m.setChannelParam('music', 'send1.level', -8);
    m.setChannelParam('music', 'comp.on', 1);
    m.setChannelParam('music', 'comp.threshold', -30);
    m.setPan('music', -0.4);
    m.setChannelParam('bass', 'lpf.on', 1);
    m.setChannelParam('bass', 'lpf.freq', 2500);
    m.setChannelParam('bass', 'eq1.gain', 4);
    m.setChannelParam('bass', 'comp.on', 1);
    m.setChannelParam('bass', 'comp.threshold', -24);
    m.setChannelParam('bass', 'polarity', 1);
    m.setChannelParam('click', 'trim', -3);
    m.setChannelParam('click', 'send2.level', -4);
    m.setChannelParam('click', 'send2.pre', 1);
    m.setChannelGain('click', -6);
    m.setPan('click', 0.6);
    m.setFxParam('reverb', 'reverb.decay', 0.9);
    m.setFxParam('reverb', 'eq3.gain', -3);
    m.setFxParam('delay', 'delay.time', 180);
    m.setFxParam('delay', 'delay.feedback', 60);
    m.setFxParam('delay', 'delay.highcut', 4000);
    m.setFxParam('delay', 'return.gain', -2);
    m.setMasterParam('eq2.gain', 2);
    m.setMasterParam('eq1.gain', -3);
    m.setMasterParam('eq1.q', 2.5);
    m.setMasterParam('glue.on', 1);
    m.setMasterParam('glue.threshold', -20);
    m.setMasterParam('limiter.on', 1);
    m.setMasterParam('limiter.ceiling', -1);
    m.setMasterGain(-1.5);
  });
}

async function renderLive(state: MixState, raw: Record<string, Float32Array[]>): Promise<{ left: Float32Array; right: Float32Array; latency: number; notes: string[] }> {
  const Tone = await loadTone();
  const ctx = new OfflineAudioContext(2, SR * SECONDS, SR);
  await installDynamicsWorklet(ctx);
  const previous = Tone.getContext();
  const context = new Tone.OfflineContext(ctx as unknown as OfflineAudioContext);
  Tone.setContext(context);
  try {
    const graph = new MixGraph(Tone, undefined, { meters: false });
    for (const [id, chs] of Object.entries(raw)) graph.setStemBuffer(id, bufferFrom(chs));
    graph.apply(state, { immediate: true });
    Tone.getTransport().start(0);
    const out = (await context.render()) as unknown as AudioBuffer;
    const latency = graph.latencySamples;
    const notes = graph.notes;
    graph.dispose();
    return { left: out.getChannelData(0).slice(), right: out.getChannelData(1).slice(), latency, notes };
  } finally {
    Tone.setContext(previous);
  }
}

describe('renders sound like live playback', () => {
  it('the live graph (native nodes + worklets) and the streamed render of one session null ≥ 100 dB', async () => {
    const state = session();
    const raw = stems();
    const live = await renderLive(state, raw);
    expect(live.notes).toEqual([]);
    const offline = await render(state, raw);
    // The live graph's output lags by the limiter's look-ahead; renders compensate it.
    const from = Math.round(0.05 * SR);
    const to = SR * SECONDS - live.latency;
    const residual = (a: Float32Array, b: Float32Array) => {
      const d = new Float32Array(to - from);
      for (let i = from; i < to; i++) d[i - from] = a[i] - b[i + live.latency];
      return db(rms(d)) - db(rms(a, from, to));
    };
    const left = residual(offline.left, live.left);
    const right = residual(offline.right, live.right);
    console.log(`live graph vs render: difference ${left.toFixed(1)} / ${right.toFixed(1)} dB below the mix (L/R, after 50 ms)`);
    expect(rms(offline.left, from, to)).toBeGreaterThan(0.01);
    expect(left).toBeLessThan(-100);
    expect(right).toBeLessThan(-100);
    // node-web-audio-api hands every 128-frame block of each worklet to its thread and back: under
    // load, 0.8 s of audio through a dozen worklets has taken over 2 minutes.
  });
});
