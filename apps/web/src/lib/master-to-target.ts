// "Master to target" in the browser: the engine's masterToTarget on the loaded stems and the
// shared mix, then its settings written to the mix document so everyone hears the result.
import { masterToTarget, type DeliveryTarget, type MasterToTargetResult } from '@mixroom/engine';
import { isolatedTone } from './bounce';
import type { SessionRuntime } from './session-runtime';

export async function runMasterToTarget(
  runtime: SessionRuntime,
  target: DeliveryTarget,
  onProgress: (fraction: number, stage: string) => void,
): Promise<MasterToTargetResult> {
  const Tone = runtime.Tone;
  if (!Tone || !runtime.liveContext) throw new Error('audio is not ready yet');
  const stems = new Map<string, AudioBuffer>();
  for (const s of runtime.session.stems) {
    const b = runtime.getBuffer(s.id);
    if (b) stems.set(s.id, b);
  }
  if (stems.size === 0) throw new Error('no stems are loaded');
  // isolatedTone: live playback keeps Tone's global context while the offline graph renders.
  const result = await masterToTarget(isolatedTone(Tone, runtime.liveContext!), runtime.model.getState(), stems, target, { onProgress });
  runtime.doc.transact(() => {
    for (const [id, value] of Object.entries(result.params)) runtime.model.setMasterParam(id as never, value);
  });
  return result;
}
