import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { SR, amplitudeAt, db, mixOf, render, sines } from '../graph/test-support';
import type { AutomationPoint } from '../model/automation';
import type { MixModel } from '../model/mix-model';
import { AUTOMATION_GRID } from './channel';
import { frameOfTime } from './frames';

const p = (t: number, v: number, shape: AutomationPoint['shape'] = 'hold'): AutomationPoint => ({ t, v, shape });

function plain(m: MixModel) {
  m.setMasterParam('limiter.on', 0);
  m.setMasterParam('glue.on', 0);
  m.setChannelParam('vox', 'send1.level', -Infinity);
  m.setChannelParam('vox', 'send2.level', -Infinity);
}

describe('switch lanes of a channel strip in renders', () => {
  beforeAll(() => installWebAudioGlobals());
  const tone = sines([200], 0.25, 1);
  const at = 0.40017; // between frames and between grid points

  it('a high-pass switch and a slope flip on the exact frame of their breakpoints', async () => {
    const F = frameOfTime(at, SR);
    const base = (m: MixModel) => {
      plain(m);
      m.setChannelParam('vox', 'hpf.freq', 1000);
    };
    const off = await render(mixOf(['vox'], base), { vox: [tone, tone] });
    const ridden = await render(
      mixOf(['vox'], (m) => {
        base(m);
        m.setChannelParam('vox', 'hpf.on', 1); // the static switch: the lane overrides it
        m.automation.setPoints('ch:vox/hpf.on', [p(0, 0), p(at, 1)]);
        m.automation.setPoints('ch:vox/hpf.slope', [p(0, 0), p(0.7, 3)]);
      }),
      { vox: [tone, tone] },
    );
    const first = ridden.left.findIndex((x, i) => x !== off.left[i]);
    // Once on, a 1 kHz high-pass takes the 200 Hz tone down: 12 dB/oct, then 48 dB/oct from 0.7 s.
    const level = (t: number) => db(amplitudeAt(ridden.left, 200, Math.round(t * SR), Math.round(t * SR) + SR / 20) / 0.25);
    console.log(`hpf.on lane: first frame off the switch-off render ${first} (breakpoint frame ${F}); 200 Hz at 0.6 s ${level(0.6).toFixed(1)} dB, at 0.9 s ${level(0.9).toFixed(1)} dB`);
    expect(first).toBe(F);
    expect(level(0.6)).toBeCloseTo(20 * Math.log10(1 / Math.sqrt(1 + 5 ** 4)), 0);
    expect(level(0.9)).toBeLessThan(-50);
  });

  it('a polarity lane inverts the tone through one grid interval, on the same grid point every time', async () => {
    const ref = await render(mixOf(['vox'], plain), { vox: [tone, tone] });
    const ridden = await render(
      mixOf(['vox'], (m) => {
        plain(m);
        m.automation.setPoints('ch:vox/polarity', [p(0, 0), p(at, 1)]);
      }),
      { vox: [tone, tone] },
    );
    const G = AUTOMATION_GRID;
    const m = Math.ceil(frameOfTime(at, SR) / G); // the first grid point at or after the breakpoint
    const before = ridden.left.subarray(0, (m - 1) * G).every((x, i) => x === ref.left[i]);
    const after = ridden.left.subarray(m * G).every((x, i) => x === -ref.left[m * G + i]);
    console.log(`polarity lane: untouched before frame ${(m - 1) * G}, inverted from frame ${m * G}: ${before}, ${after}`);
    expect(before).toBe(true);
    expect(after).toBe(true);
  });

  it('a solo lane silences the other channels from its point on (its static solo overridden, a static mute elsewhere still muting)', async () => {
    const a = sines([300], 0.2, 1.5);
    const b = sines([500], 0.2, 1.5);
    const c = sines([700], 0.2, 1.5);
    const state = mixOf(['a', 'b', 'c'], (m) => {
      m.setMasterParam('limiter.on', 0);
      m.setMasterParam('glue.on', 0);
      for (const id of ['a', 'b', 'c']) {
        m.setChannelParam(id, 'send1.level', -Infinity);
        m.setChannelParam(id, 'send2.level', -Infinity);
      }
      m.setSolo('a', true); // the lane overrides it
      m.automation.setPoints('ch:a/solo', [p(0, 0), p(0.5, 1), p(1, 0)]);
      m.setMute('c', true); // a static mute still mutes
    });
    const out = await render(state, { a: [a, a], b: [b, b], c: [c, c] });
    const level = (f: number, t: number) => db(amplitudeAt(out.left, f, Math.round(t * SR), Math.round(t * SR) + SR / 10) / 0.2);
    const readings = [0.2, 0.7, 1.2].map((t) => [300, 500, 700].map((f) => level(f, t)));
    console.log(`solo lane on a (off, on, off); c muted: ${readings.map((r) => r.map((x) => x.toFixed(1)).join('/')).join(', ')} dB at 300/500/700 Hz`);
    // Off: a and b heard (centre pan of a stereo stem: untouched), c muted; on: only a; off again: a and b.
    for (const t of [0, 2]) {
      expect(Math.abs(readings[t][0])).toBeLessThan(0.01);
      expect(Math.abs(readings[t][1])).toBeLessThan(0.01);
      expect(readings[t][2]).toBeLessThan(-100);
    }
    expect(Math.abs(readings[1][0])).toBeLessThan(0.01);
    expect(readings[1][1]).toBeLessThan(-100);
    expect(readings[1][2]).toBeLessThan(-100);
  });
});
