import { describe, expect, it } from 'vitest';
import { SR, mixOf } from '../graph/test-support';
import { REVERB_ROOM_SLOTS, ReverbRoomSchedule, reverbRoomAutomation } from '../offline/reverb-room';
import { LiveReverbRoomGates } from './reverb-room-live';
import { STATUS_CONTEXT_FRAME, STATUS_SONG_FRAME, statusBytes, statusViews } from './mix-protocol';

const p = (t: number, v: number, shape: 'linear' | 'exp' | 'hold' = 'linear') => ({ t, v, shape });

describe('live reverb room gates (the worklet side)', () => {
  const state = mixOf(['vox'], (m) => m.automation.setPoints('fx:reverb/reverb.decay', [p(0, 0.4, 'hold'), p(0.4, 1.5, 'hold'), p(0.6, 0.7, 'hold')]));
  const lanes = reverbRoomAutomation(state.automation)!;
  const params = state.fx.reverb.params;

  it('put out the feeds and fades of the render at the song frames of the mix worklet, through a start mid-block, and hold them while stopped or out of step', () => {
    const status = new SharedArrayBuffer(statusBytes());
    const views = statusViews(status);
    const gates = new LiveReverbRoomGates(SR, { type: 'reverb-room', params, lanes, status });
    const schedule = new ReverbRoomSchedule(params, lanes, SR);
    const out = Array.from({ length: 2 * REVERB_ROOM_SLOTS }, () => new Float32Array(128));
    const want = Array.from({ length: 2 * REVERB_ROOM_SLOTS }, () => new Float32Array(1));
    // Block at context frame 1000: stopped at song frame 18000 for 40 frames, then playing from 19150 (across the fade at 19200).
    const song = (i: number) => (i < 40 ? 18000 : 19150 + (i - 40));
    for (let i = 0; i < 128; i++) {
      views.positions[i] = song(i);
      views.rates[i] = i < 40 ? 0 : 1;
    }
    views.header[STATUS_CONTEXT_FRAME] = 1000 + 128;
    gates.process(out, 128, 1000);
    let checked = 0;
    for (let i = 0; i < 128; i++) {
      schedule.fillGates(want, 0, song(i), 1);
      for (let c = 0; c < want.length; c++) expect(out[c][i]).toBe(want[c][0]);
      checked++;
    }
    expect(checked).toBe(128);
    // Fading mid-block: instance 0 (slot 0) going out, instance 1 (slot 1) coming in; instance 2 (slot 2) not yet fed.
    expect(out[1][127]).toBeLessThan(1);
    expect(out[3][127]).toBeGreaterThan(0);
    expect(out[4][127]).toBe(0);
    // A status not of this quantum: held at the song frame it says.
    views.header[STATUS_SONG_FRAME] = 20000;
    gates.process(out, 128, 5000);
    schedule.fillGates(want, 0, 20000, 1);
    for (let c = 0; c < want.length; c++) expect(out[c].every((v) => v === want[c][0])).toBe(true);
  });
});
