import { describe, expect, it } from 'vitest';
import { loadTone } from '../node/tone';
import { renderMixDetailed } from './render';
import { bufferFrom, db, mixOf } from './test-support';
import { fitSine } from '../dsp/sine-fit';


const sine = (f: number, fs: number, seconds: number, amp: number) =>
  Float32Array.from({ length: Math.round(seconds * fs) }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / fs));

describe('renders resample stems with the windowed-sinc resampler', () => {
  // A stem at the render's rate is the reference: the channel strip is the same for both, so the
  // 44.1 kHz stem must come out at the same level with nothing else (images, aliases) around it.
  it.each([[44100, 48000], [48000, 44100]])('a %i Hz stem in a %i Hz render: same level within 0.1 dB, spurious tones below −100 dB', async (stemRate, renderRate) => {
    const Tone = await loadTone();
    const state = mixOf(['a'], (m) => m.setMasterParam('limiter.on', 0));
    for (const f of [1000, 10000, 19000]) {
      const render = async (rate: number) => {
        const stems = new Map([['a', bufferFrom([sine(f, rate, 0.5, 0.5)], rate)]]);
        const r = await renderMixDetailed(Tone, state, stems, { sampleRate: renderRate });
        return { left: r.audio.getChannelData(0).slice(), notes: r.notes };
      };
      const native = await render(renderRate);
      const converted = await render(stemRate);
      expect(converted.notes.join()).toMatch(/resampled/);
      const from = 4000, to = native.left.length - 4000;
      const ref = fitSine(native.left, f, renderRate, from, to);
      const got = fitSine(converted.left, f, renderRate, from, to);
      expect(Math.abs(db(got.amp / ref.amp)), `${f} Hz level`).toBeLessThan(0.1);
      // Relative to full scale of the stem (0.5 in → ref.amp out).
      expect(db((got.residual / ref.amp) * 0.5), `${f} Hz spurious`).toBeLessThan(-100);
    }
  });
});
