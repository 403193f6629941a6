import { describe, expect, it } from 'vitest';
import { DELIVERY_TARGETS, customTarget, getDeliveryTarget, platformPlaybackGain } from './index';

describe('delivery targets', () => {
  it('lists every platform from the reference notes with its figures and a source', () => {
    const byId = Object.fromEntries(DELIVERY_TARGETS.map((t) => [t.id, t]));
    const expected: Record<string, [number, number]> = {
      spotify: [-14, -1],
      'apple-music': [-16, -1],
      youtube: [-14, -1],
      'amazon-music': [-14, -2],
      tidal: [-14, -1],
      deezer: [-15, -1],
      podcast: [-16, -1],
      'ebu-r128': [-23, -1],
      'atsc-a85': [-24, -2],
    };
    for (const [id, [lufs, tp]] of Object.entries(expected)) {
      expect(byId[id]?.integratedLufs).toBe(lufs);
      expect(byId[id]?.truePeakCeilingDbtp).toBe(tp);
    }
    expect(byId['cd-club']?.truePeakCeilingDbtp).toBe(-0.3);
    for (const t of DELIVERY_TARGETS) {
      expect(t.source.length).toBeGreaterThan(5);
      expect(t.sourceDate.length).toBeGreaterThan(0);
    }
  });

  it('Spotify raises a quiet master only as far as 1 dB peak headroom allows (its documented example)', () => {
    const g = platformPlaybackGain({ integrated: -20, truePeak: -5 }, getDeliveryTarget('spotify'));
    expect(g.gainDb).toBeCloseTo(4, 9);
    expect(g.playbackLufs).toBeCloseTo(-16, 9);
    expect(g.peakLimited).toBe(true);
    expect(g.shortfallDb).toBeCloseTo(2, 9);
    expect(g.loudnessPenaltyDb).toBe(0);
  });

  it('turns a loud master down and reports the loudness penalty', () => {
    const g = platformPlaybackGain({ integrated: -8, truePeak: 0.5 }, getDeliveryTarget('spotify'));
    expect(g.gainDb).toBeCloseTo(-6, 9);
    expect(g.loudnessPenaltyDb).toBeCloseTo(6, 9);
    expect(g.exceedsPeakCeiling).toBe(true);
    expect(g.playbackTruePeak).toBeCloseTo(-5.5, 9);
  });

  it('Tidal never turns quiet tracks up; broadcast normalises both ways; CD does nothing', () => {
    expect(platformPlaybackGain({ integrated: -20, truePeak: -10 }, getDeliveryTarget('tidal')).gainDb).toBe(0);
    expect(platformPlaybackGain({ integrated: -20, truePeak: -10 }, getDeliveryTarget('tidal')).shortfallDb).toBeCloseTo(6, 9);
    expect(platformPlaybackGain({ integrated: -30, truePeak: -10 }, getDeliveryTarget('ebu-r128')).gainDb).toBeCloseTo(7, 9);
    expect(platformPlaybackGain({ integrated: -6, truePeak: 0 }, getDeliveryTarget('cd-club')).gainDb).toBe(0);
  });

  it('custom targets and silent masters', () => {
    const t = customTarget(-18, -1.5);
    expect(platformPlaybackGain({ integrated: -12, truePeak: -1 }, t).gainDb).toBeCloseTo(-6, 9);
    const silent = platformPlaybackGain({ integrated: -Infinity, truePeak: -Infinity }, t);
    expect(silent.gainDb).toBe(0);
    expect(silent.shortfallDb).toBe(0);
    expect(() => customTarget(NaN, -1)).toThrow(RangeError);
  });
});
