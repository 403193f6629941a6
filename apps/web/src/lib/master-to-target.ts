// "Master to target" in the browser: the engine's masterToTarget on the loaded stems and the
// shared mix, then its settings written to the mix document so everyone hears the result.
import { masterToTarget, type DeliveryTarget, type MasterToTargetResult } from '@mixroom/engine';
import { offlineRenderInputs } from './bounce';
import type { SessionRuntime } from './session-runtime';

export async function runMasterToTarget(
  runtime: SessionRuntime,
  target: DeliveryTarget,
  onProgress: (fraction: number, stage: string) => void,
): Promise<MasterToTargetResult> {
  const { Tone, stems } = await offlineRenderInputs(runtime, runtime.sampleRate);
  const result = await masterToTarget(Tone, runtime.model.getState(), stems, target, { sampleRate: runtime.sampleRate, onProgress });
  runtime.doc.transact(() => {
    for (const [id, value] of Object.entries(result.params)) runtime.model.setMasterParam(id as never, value);
  });
  return result;
}
