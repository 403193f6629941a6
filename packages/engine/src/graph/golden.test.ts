import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../audio/wav';
import { musicLike } from '../loudness/test-signals';
import { SR, db, mixOf, render, rms, sines } from './test-support';

/**
 * Golden render: a small fixture session using every processor, rendered and compared with the
 * reference committed in packages/engine/test/golden/fixture-mix.wav (1 s, 16-bit, no dither).
 * Tolerance: the difference must be at least 60 dB below the mix (16-bit storage alone leaves
 * ~-80 dB; a 0.1 dB gain change already gives -39 dB, a moved EQ band far more), so any change
 * of sound fails. After an intended change: UPDATE_GOLDEN=1 npx vitest run <this file>.
 */
const GOLDEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/golden/fixture-mix.wav');
const SECONDS = 1;

function fixture() {
  const [ml, mr] = musicLike(SR, SECONDS, 3);
  const bass = sines([55, 110], 0.3, SECONDS);
  const click = new Float32Array(SR * SECONDS);
  for (let i = 0; i < click.length; i += SR / 4) click.fill(0.8, i, i + 200);
  const state = mixOf(['music', 'bass', 'click'], (m) => {
    m.setChannelParam('music', 'hpf.on', 1);
    m.setChannelParam('music', 'hpf.freq', 120);
    m.setChannelParam('music', 'eq3.gain', 4);
    m.setChannelParam('music', 'send1.level', -6);
    m.setPan('music', -0.3);
    m.setChannelParam('bass', 'comp.on', 1);
    m.setChannelParam('bass', 'comp.threshold', -20);
    m.setChannelParam('bass', 'lpf.on', 1);
    m.setChannelParam('bass', 'lpf.freq', 3000);
    m.setChannelParam('click', 'send2.level', -3);
    m.setChannelParam('click', 'send2.pre', 1);
    m.setChannelGain('click', -8);
    m.setPan('click', 0.5);
    m.setFxParam('reverb', 'reverb.decay', 0.8);
    m.setFxParam('delay', 'delay.sync', 2);
    m.setMasterParam('eq1.gain', 2);
    m.setMasterParam('glue.on', 1);
    m.setMasterParam('limiter.ceiling', -1);
    m.setMasterGain(-1);
  });
  return { state, stems: { music: [ml, mr], bass: [bass], click: [click] } };
}

describe('golden render', () => {
  it('the fixture session sounds exactly as recorded (difference ≥ 60 dB below the mix)', async () => {
    const { state, stems } = fixture();
    const { left, right } = await render(state, stems);
    if (process.env.UPDATE_GOLDEN) {
      writeFileSync(GOLDEN, encodeWav([left, right], SR, { bitDepth: 16, dither: 'none' }));
    }
    const ref = decodeWav(new Uint8Array(readFileSync(GOLDEN)));
    expect(ref.channels[0].length).toBe(left.length);
    const diff = [left, right].map((ch, c) => ch.map((v, i) => v - ref.channels[c][i]));
    const residual = db(rms(diff[0]) + rms(diff[1])) - db(rms(left) + rms(right));
    console.log(`golden render: difference ${residual.toFixed(1)} dB below the mix`);
    expect(residual).toBeLessThan(-60);
  });

  it('the comparison is sensitive: a 0.2 dB master change fails it', async () => {
    const { state, stems } = fixture();
    const louder = { ...state, master: { ...state.master, gain: state.master.gain + 0.2, params: { ...state.master.params, gain: state.master.gain + 0.2 } } };
    const { left } = await render(louder, stems);
    const ref = decodeWav(new Uint8Array(readFileSync(GOLDEN)));
    const residual = db(rms(left.map((v, i) => v - ref.channels[0][i]))) - db(rms(left));
    expect(residual).toBeGreaterThan(-60);
  });
});
