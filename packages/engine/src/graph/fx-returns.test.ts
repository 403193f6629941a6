import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { SR, mixOf } from './test-support';
import { REVERB_IR_STEP, reverbImpulseResponse, reverbIrLength } from '../dsp/reverb-ir';
import { ReverbReturn } from './fx-returns';
import { ParamSetter } from './smoothing';

/**
 * Live playback makes a new reverb room in steps (the page paces them): the caller is never held
 * for the whole impulse response, and the convolver ends with exactly the room renders make.
 */
describe('reverb return made in steps', () => {
  beforeAll(() => installWebAudioGlobals());

  const room = (decay: number) => mixOf(['a'], (m) => m.setFxParam('reverb', 'reverb.decay', decay)).fx.reverb;
  const irOf = (r: ReverbReturn) => (r as unknown as { convolver: ConvolverNode }).convolver.buffer;

  it('makes the room a step per pace, then holds exactly the render’s impulse response', async () => {
    const ctx = new OfflineAudioContext(2, 128, SR);
    const set = new ParamSetter(ctx);
    let paces = 0;
    let release: () => void = () => undefined;
    const pace = () => {
      paces++;
      return new Promise<void>((r) => (release = r));
    };
    const reverb = new ReverbReturn(ctx, ctx.createGain(), pace);
    const fx = room(2.5);
    reverb.apply(fx, true, set, true);
    // Nothing more than one step in the caller's turn; the room is not there yet.
    expect(paces).toBe(1);
    expect(irOf(reverb)).toBeNull();
    while (irOf(reverb) === null) {
      release();
      await new Promise((r) => setTimeout(r, 0));
    }
    await reverb.irReady;
    const length = reverbIrLength(SR, 2.5);
    // A pause after every step of each channel.
    expect(paces).toBe(2 * Math.ceil(length / REVERB_IR_STEP));
    const expected = reverbImpulseResponse(SR, { decaySeconds: 2.5, dampingHz: fx.params['reverb.damping'], size: fx.params['reverb.size'] });
    for (const c of [0, 1]) expect(Array.from(irOf(reverb)!.getChannelData(c))).toEqual(Array.from(expected[c]));
  });

  it('makes only the last of rooms asked for in a row (a knob turned on)', async () => {
    const ctx = new OfflineAudioContext(2, 128, SR);
    const set = new ParamSetter(ctx);
    const reverb = new ReverbReturn(ctx, ctx.createGain(), () => new Promise((r) => setTimeout(r, 0)));
    reverb.apply(room(3), true, set, true);
    reverb.apply(room(0.8), true, set, true);
    await reverb.irReady;
    await new Promise((r) => setTimeout(r, 50));
    expect(irOf(reverb)!.length).toBe(reverbIrLength(SR, 0.8));
  });
});
