// What "Master to target" tells the person about its result. "On target" alone would hide a
// master that got there only by squashing its peaks, so heavy limiting is a warning of its own.
import type { MasterToTargetResult } from '@mixroom/engine';

/** Peak reduction above this audibly flattens transients (pumping, dulled drums). */
export const HEAVY_LIMITING_DB = 3;

export interface MasterVerdict {
  kind: 'ok' | 'limited' | 'missed';
  headline: string;
}

export function masterVerdict(result: Pick<MasterToTargetResult, 'reached' | 'maxGainReductionDb'>): MasterVerdict {
  if (!result.reached) return { kind: 'missed', headline: 'Could not reach the target (drive at its maximum)' };
  if (result.maxGainReductionDb > HEAVY_LIMITING_DB) {
    return {
      kind: 'limited',
      headline: `On target only by limiting peaks ${result.maxGainReductionDb.toFixed(1)} dB (more than ${HEAVY_LIMITING_DB} dB squashes transients: turn loud parts of the mix down instead)`,
    };
  }
  return { kind: 'ok', headline: 'On target' };
}
