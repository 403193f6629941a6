import { describe, expect, it } from 'vitest';
import { isAudible } from '../model/mix-model';
import { SR, amplitudeAt, db, dc, mixOf, render, rms, sines } from './test-support';

// Three channels, each a sine at its own frequency; c also feeds the delay return (pre-fader).
const F = { a: 300, b: 700, c: 1500 } as const;
const stems = () => ({ a: [sines([F.a], 0.1, 0.6)], b: [sines([F.b], 0.1, 0.6)], c: [sines([F.c], 0.1, 0.6)] });
const from = Math.round(0.2 * SR);
const to = from + Math.round(0.3 * SR);

describe('mute / solo matrix, solo-safe FX returns', () => {
  it('every combination of mute and solo on two channels, with the delay return solo-safe', async () => {
    for (let bits = 0; bits < 16; bits++) {
      const muteA = (bits & 1) !== 0;
      const soloA = (bits & 2) !== 0;
      const muteB = (bits & 4) !== 0;
      const soloB = (bits & 8) !== 0;
      const state = mixOf(['a', 'b', 'c'], (m) => {
        m.setMasterParam('limiter.on', 0);
        m.setMute('a', muteA);
        m.setSolo('a', soloA);
        m.setMute('b', muteB);
        m.setSolo('b', soloB);
        // c is silent on its own (fader -inf) and reaches the mix only through a pre-fader delay send.
        m.setChannelParam('c', 'gain', -90);
        m.setChannelParam('c', 'send2.level', 0);
        m.setChannelParam('c', 'send2.pre', 1);
        m.setFxParam('delay', 'delay.feedback', 0);
        m.setFxParam('delay', 'delay.time', 10);
      });
      const { left } = await render(state, stems());
      const anySolo = soloA || soloB;
      const heard = (f: number) => amplitudeAt(left, f, from, to) > 0.01;
      const label = `muteA=${muteA} soloA=${soloA} muteB=${muteB} soloB=${soloB}`;
      expect(heard(F.a), label).toBe(isAudible(muteA, soloA, anySolo));
      expect(heard(F.b), label).toBe(isAudible(muteB, soloB, anySolo));
      // c is not soloed, so a solo silences c and with it its send: solo-in-place.
      expect(heard(F.c), label).toBe(!anySolo);
    }
  });

  it('a soloed channel keeps its reverb/delay: the returns are solo-safe; only their own mute silences them', async () => {
    const base = (muteReturn: boolean) =>
      mixOf(['a', 'b', 'c'], (m) => {
        m.setMasterParam('limiter.on', 0);
        m.setSolo('a', true);
        m.setChannelParam('a', 'send2.level', 0);
        m.setFxParam('delay', 'delay.feedback', 0);
        m.setFxParam('delay', 'delay.time', 10);
        m.setFxParam('delay', 'return.mute', muteReturn);
      });
    const fxOnly = await render(base(false), stems(), { focus: { kind: 'fx', bus: 'delay' } });
    expect(amplitudeAt(fxOnly.left, F.a, from, to)).toBeGreaterThan(0.03);
    expect(amplitudeAt(fxOnly.left, F.b, from, to)).toBeLessThan(1e-4);
    const muted = await render(base(true), stems(), { focus: { kind: 'fx', bus: 'delay' } });
    expect(rms(muted.left, from, to)).toBeLessThan(1e-5);
  });
});

describe('pan, sends, pre/post', () => {
  it('pan law: constant power for a mono source at every position', async () => {
    for (const pan of [-1, -0.5, 0, 0.5, 1]) {
      const { left, right } = await render(mixOf(['a'], (m) => { m.setMasterParam('limiter.on', 0); m.setPan('a', pan); }), { a: [sines([F.a], 0.1, 0.6)] });
      const l = amplitudeAt(left, F.a, from, to) / 0.1;
      const r = amplitudeAt(right, F.a, from, to) / 0.1;
      const theta = ((pan + 1) * Math.PI) / 4;
      expect(l).toBeCloseTo(Math.cos(theta), 3);
      expect(r).toBeCloseTo(Math.sin(theta), 3);
      expect(l * l + r * r).toBeCloseTo(1, 3);
    }
  });

  it('send level, pre and post fader', async () => {
    // DC through the delay return (10 ms, no feedback, high-cut at 20 kHz passes DC at unity).
    const input = dc(0.5, 0.6);
    const fxLevel = async (fader: number, send: number, pre: boolean) => {
      const state = mixOf(['a'], (m) => {
        m.setMasterParam('limiter.on', 0);
        m.setChannelGain('a', fader);
        m.setChannelParam('a', 'send2.level', send);
        m.setChannelParam('a', 'send2.pre', pre);
        m.setFxParam('delay', 'delay.feedback', 0);
        m.setFxParam('delay', 'delay.time', 10);
        m.setFxParam('delay', 'delay.highcut', 20000);
      });
      const { left } = await render(state, { a: [input] }, { focus: { kind: 'fx', bus: 'delay' } });
      return db(rms(left, from, to) / (0.5 * Math.SQRT1_2));
    };
    expect(await fxLevel(0, -6, false)).toBeCloseTo(-6, 1);
    expect(await fxLevel(-10, -6, false)).toBeCloseTo(-16, 1); // post: follows the fader
    expect(await fxLevel(-10, -6, true)).toBeCloseTo(-6, 1); // pre: independent of the fader
    expect(await fxLevel(-90, 0, false)).toBe(-Infinity);
  });

  it('a channel rendered as a stem is that channel alone, post-fader, without the master chain', async () => {
    const state = mixOf(['a', 'b'], (m) => { m.setChannelGain('a', -6); m.setMasterGain(-20); });
    const { left, notes } = await render(state, { a: [sines([F.a], 0.1, 0.6)], b: [sines([F.b], 0.1, 0.6)] }, { focus: { kind: 'channel', channelId: 'a' } });
    expect(db(amplitudeAt(left, F.a, from, to) / (0.1 * Math.SQRT1_2))).toBeCloseTo(-6, 1);
    expect(amplitudeAt(left, F.b, from, to)).toBeLessThan(1e-4);
    expect(notes).toEqual([]);
  });

  it('a stem at another sample rate or length is resampled / padded, with a note', async () => {
    const short44 = new Float32Array(Math.round(0.3 * 44100)).fill(0.25);
    const { left, notes } = await render(mixOf(['a', 'b']), { a: [sines([F.a], 0.1, 0.6)], b: [short44] }, {});
    expect(notes.join('\n')).toMatch(/resampled|padded/);
    expect(left.length).toBe(Math.round(0.6 * SR));
  });
});
