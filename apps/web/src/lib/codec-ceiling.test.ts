import { describe, expect, it } from 'vitest';
import { MixModel } from '@mixroom/engine';
import * as Y from 'yjs';
import { codecCeiling, judgePeak } from './codec-ceiling';

// A real mix document: the master's params as the session has them (limiter on, −1 dBTP by default).
function master(edit?: (m: MixModel) => void) {
  const m = new MixModel(new Y.Doc());
  edit?.(m);
  return m.getState().master;
}

describe('codec preview ceiling', () => {
  it('is the session delivery target’s ceiling, named by its platform', () => {
    expect(codecCeiling('amazon-music', master())).toMatchObject({ dbtp: -2, platform: 'Amazon Music' });
    expect(codecCeiling('cd-club', master())).toMatchObject({ dbtp: -0.3, platform: 'CD / club (loud)' });
    expect(codecCeiling('spotify', master())).toEqual({ dbtp: -1, platform: 'Spotify', limiterDbtp: null });
  });

  it('judges a decoded peak of −1.5 dBTP over Amazon’s −2 but under Spotify’s −1', () => {
    expect(judgePeak(-1.5, codecCeiling('amazon-music', master()).dbtp)).toEqual({ overDb: 0.5, over: true });
    expect(judgePeak(-1.5, codecCeiling('spotify', master()).dbtp).over).toBe(false);
    // Shown to 0.1 dB: −0.98 reads "−1.0", so it is not called over a −1.0 ceiling.
    expect(judgePeak(-0.98, -1).over).toBe(false);
  });

  it('names the master limiter’s ceiling too when it differs from the platform’s', () => {
    // Default limiter ceiling −1 dBTP vs Amazon's −2.
    expect(codecCeiling('amazon-music', master()).limiterDbtp).toBe(-1);
    expect(codecCeiling('spotify', master((m) => m.setMasterParam('limiter.ceiling', -0.3))).limiterDbtp).toBe(-0.3);
    expect(codecCeiling('cd-club', master((m) => m.setMasterParam('limiter.ceiling', -0.3))).limiterDbtp).toBeNull();
    // A limiter that is off has no ceiling to show.
    expect(codecCeiling('amazon-music', master((m) => m.setMasterParam('limiter.on', 0))).limiterDbtp).toBeNull();
  });

  it('reads an unknown target as the session default (Spotify)', () => {
    expect(codecCeiling('nonsense', null)).toEqual({ dbtp: -1, platform: 'Spotify', limiterDbtp: null });
  });
});
