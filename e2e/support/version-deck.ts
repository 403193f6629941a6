import type { Page } from '@playwright/test';

// The version player's debugging hook (apps/web/src/components/review/VersionPlayer.tsx), typed loosely.
declare global {
  interface Window {
    __mixroomDeck?: {
      output: AudioNode;
      position: number;
      loop: { start: number; end: number } | null;
      timing: { startedAt: number | null; offset: number };
    };
  }
}

/** RMS (dBFS) of the version player's output over `seconds`, captured from its audio graph. */
export function deckOutputRmsDb(page: Page, seconds: number): Promise<number> {
  return page.evaluate(async (secs) => {
    const deck = window.__mixroomDeck!;
    const ctx = deck.output.context as AudioContext;
    const startFrame = Math.round((ctx.currentTime + 0.1) * ctx.sampleRate);
    const node = new AudioWorkletNode(ctx, 'mixroom-capture', { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 2, channelCountMode: 'explicit', processorOptions: { startFrame, frames: Math.round(secs * ctx.sampleRate) } });
    const done = new Promise<{ channels: Float32Array[]; missedFrames: number }>((resolve) => (node.port.onmessage = (e) => resolve(e.data)));
    deck.output.connect(node);
    const {
      channels: [left],
      missedFrames,
    } = await done;
    deck.output.disconnect(node);
    let sum = 0;
    for (let i = missedFrames; i < left.length; i++) sum += left[i] * left[i];
    return 10 * Math.log10(sum / (left.length - missedFrames));
  }, seconds);
}
