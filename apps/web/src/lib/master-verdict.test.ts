import { describe, expect, it } from 'vitest';
import { masterVerdict } from './master-verdict';

describe('masterVerdict: "On target" only when it is not bought with heavy limiting', () => {
  it('says On target with up to 3 dB of peak limiting', () => {
    expect(masterVerdict({ reached: true, maxGainReductionDb: 0 })).toEqual({ kind: 'ok', headline: 'On target' });
    expect(masterVerdict({ reached: true, maxGainReductionDb: 3 }).kind).toBe('ok');
  });

  it('warns instead when the limiter takes more than 3 dB (12.5 dB was reported as "On target")', () => {
    const v = masterVerdict({ reached: true, maxGainReductionDb: 12.5 });
    expect(v.kind).toBe('limited');
    expect(v.headline).toMatch(/^On target only by limiting peaks 12\.5 dB/);
    expect(v.headline).not.toBe('On target');
  });

  it('says when the target was missed, whatever the limiting', () => {
    expect(masterVerdict({ reached: false, maxGainReductionDb: 1 }).kind).toBe('missed');
  });
});
