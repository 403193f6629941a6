import { describe, expect, it } from 'vitest';
import { loadTone } from '../node/tone';
import { measureLoudness } from '../loudness/measure';
import { musicLike } from '../loudness/test-signals';
import { getDeliveryTarget } from '../loudness/targets';
import { masterToTarget } from './master-to-target';
import { SR, bufferFrom, mixOf, render } from './test-support';
import type { MixModel } from '../model/mix-model';

// 12 s of music-like program (two stems) at a quiet and at a loud level.
const song = (gain: number) => {
  const [l, r] = musicLike(SR, 12, 7);
  const [l2, r2] = musicLike(SR, 12, 8);
  const scale = (x: Float32Array) => x.map((v) => v * gain);
  return { a: [scale(l), scale(r)], b: [scale(l2), scale(r2)] };
};

async function masterAndBounce(stems: Record<string, Float32Array[]>, targetId: 'spotify' | 'ebu-r128' | 'cd-club') {
  const Tone = await loadTone();
  const target = getDeliveryTarget(targetId);
  const state = mixOf(Object.keys(stems));
  const result = await masterToTarget(Tone, state, new Map(Object.entries(stems).map(([id, ch]) => [id, bufferFrom(ch)])), target, { sampleRate: SR });
  // Apply what it says to the mix and bounce it the normal way: that file must hit the target.
  const mastered = mixOf(Object.keys(stems), (m) => {
    for (const [id, value] of Object.entries(result.params)) m.setMasterParam(id as never, value);
  });
  const { left, right } = await render(mastered, stems);
  return { target, result, bounced: measureLoudness([left, right], SR) };
}

describe('master to target', () => {
  it('drives a quiet mix into the limiter up to Spotify (−14 LUFS) with the true peak at or under −1 dBTP', async () => {
    const { target, result, bounced } = await masterAndBounce(song(0.5), 'spotify');
    console.log('quiet → spotify', JSON.stringify({ ...result.params, before: result.before, after: result.after, gr: result.maxGainReductionDb, bounced: { I: bounced.integrated, TP: bounced.truePeak } }));
    expect(result.before.integrated).toBeLessThan(-20);
    expect(result.reached).toBe(true);
    expect(result.params['limiter.drive']).toBeGreaterThan(3);
    expect(Math.abs(bounced.integrated - target.integratedLufs)).toBeLessThanOrEqual(0.5);
    expect(bounced.truePeak).toBeLessThanOrEqual(target.truePeakCeilingDbtp);
    expect(result.maxGainReductionDb).toBeGreaterThan(0);
  });

  it('turns a loud mix down to EBU R128 (−23 LUFS) before the limiter: peaks that fit are not limited (0.0 dB of reduction)', async () => {
    const stems = song(3);
    const { target, result, bounced } = await masterAndBounce(stems, 'ebu-r128');
    console.log('loud → r128', JSON.stringify({ ...result.params, before: result.before, after: result.after, gr: result.maxGainReductionDb, bounced: { I: bounced.integrated, TP: bounced.truePeak } }));
    // The same mix without any limiter: its true peak, turned down by the chosen gain, is what the
    // bounce must show if nothing was limited (the turn-down alone brings it under the ceiling).
    const open = await render(mixOf(Object.keys(stems), (m) => m.setMasterParam('limiter.on', 0)), stems);
    const openPeak = measureLoudness([open.left, open.right], SR).truePeak;
    const turnDown = result.params['limiter.drive'] + result.params.gain;
    expect(turnDown).toBeLessThan(-3);
    expect(openPeak + turnDown).toBeLessThan(target.truePeakCeilingDbtp);
    expect(result.maxGainReductionDb).toBe(0);
    expect(Math.abs(bounced.truePeak - (openPeak + turnDown)), `bounce ${bounced.truePeak.toFixed(2)} dBTP, unlimited ${(openPeak + turnDown).toFixed(2)}`).toBeLessThanOrEqual(0.05);
    expect(Math.abs(bounced.integrated - target.integratedLufs)).toBeLessThanOrEqual(0.5);
    expect(bounced.truePeak).toBeLessThanOrEqual(target.truePeakCeilingDbtp);
  });

  it('takes automation into account: the render it measures plays the lanes, and the mastered bounce with them hits the target', async () => {
    const Tone = await loadTone();
    const target = getDeliveryTarget('spotify');
    const stems = song(0.5);
    const ids = Object.keys(stems);
    // Both faders 6 dB down for the second half (not below the gate's −10 LU: the quiet half counts).
    const ride = (m: MixModel) => {
      for (const id of ids) {
        m.automation.setPoints(`ch:${id}/gain`, [
          { t: 0, v: 0, shape: 'linear' },
          { t: 5.95, v: 0, shape: 'linear' },
          { t: 6, v: -6, shape: 'linear' },
          { t: 12, v: -6, shape: 'linear' },
        ]);
      }
    };
    const inputs = new Map(Object.entries(stems).map(([id, ch]) => [id, bufferFrom(ch)]));
    const plain = await masterToTarget(Tone, mixOf(ids), inputs, target, { sampleRate: SR });
    const ridden = await masterToTarget(Tone, mixOf(ids, ride), inputs, target, { sampleRate: SR });
    // What a bounce of the ridden mix measures before mastering: the figure masterToTarget starts from.
    const before = await render(mixOf(ids, ride), stems);
    const measured = measureLoudness([before.left, before.right], SR).integrated;
    console.log(`automation: before ${plain.before.integrated.toFixed(2)} LUFS plain, ${ridden.before.integrated.toFixed(2)} ridden (bounce ${measured.toFixed(2)})`);
    expect(Math.abs(ridden.before.integrated - measured)).toBeLessThanOrEqual(0.1);
    expect(ridden.before.integrated).toBeLessThan(plain.before.integrated - 0.8);
    // The mastered settings differ, and the ridden mix with them lands on the target.
    expect(ridden.params['limiter.drive'] + ridden.params.gain).toBeGreaterThan(plain.params['limiter.drive'] + plain.params.gain + 0.8);
    const mastered = mixOf(ids, (m) => {
      ride(m);
      for (const [id, value] of Object.entries(ridden.params)) m.setMasterParam(id as never, value);
    });
    const bounced = await render(mastered, stems);
    const loud = measureLoudness([bounced.left, bounced.right], SR);
    expect(Math.abs(loud.integrated - target.integratedLufs)).toBeLessThanOrEqual(0.5);
    expect(loud.truePeak).toBeLessThanOrEqual(target.truePeakCeilingDbtp);
  });
});
