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
});
