import type { Page } from '@playwright/test';

// The version player's debugging hook (apps/web/src/components/review/VersionPlayer.tsx), typed loosely.
declare global {
  interface Window {
    __mixroomDeck?: {
      output: AudioNode;
      position: number;
      loop: { start: number; end: number } | null;
      timing: { startedAt: number | null; offset: number };
      sides: ReadonlyArray<{ id: string; buffer: AudioBuffer; trimDb: number }>;
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

/** The version player's output as captured (left channel), with the deck's clock at the time. */
export interface DeckCapture { left: number[]; missedFrames: number; startFrame: number; startedAt: number; offset: number; sr: number; switchAt: number | null; loop: { start: number; end: number } | null }

/**
 * Captures `seconds` of the version player's output from 0.2 s from now; optionally presses the
 * switch `switchTo` (a data-testid, e.g. "ab-b") `switchAfterMs` into the capture, by the audio clock.
 */
export function captureDeck(page: Page, seconds: number, switchAfterMs: number | null, switchTo = 'ab-b'): Promise<DeckCapture> {
  return page.evaluate(async ([secs, switchMs, target]) => {
    const deck = window.__mixroomDeck!;
    const ctx = deck.output.context as AudioContext;
    const sr = ctx.sampleRate;
    const startFrame = Math.round((ctx.currentTime + 0.2) * sr);
    const frames = Math.round(secs * sr);
    const node = new AudioWorkletNode(ctx, 'mixroom-capture', { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 2, channelCountMode: 'explicit', processorOptions: { startFrame, frames } });
    const done = new Promise<{ channels: Float32Array[]; missedFrames: number }>((resolve) => (node.port.onmessage = (e) => resolve(e.data)));
    deck.output.connect(node);
    let switchAt: number | null = null;
    if (switchMs !== null) {
      while (ctx.currentTime * sr < startFrame + (switchMs / 1000) * sr) await new Promise((r) => setTimeout(r, 5));
      switchAt = ctx.currentTime;
      (document.querySelector(`[data-testid="${target}"]`) as HTMLButtonElement).click();
    }
    const { channels: [left], missedFrames } = await done;
    deck.output.disconnect(node);
    const { startedAt, offset } = deck.timing;
    return { left: Array.from(left), missedFrames, startFrame, startedAt: startedAt!, offset, sr, switchAt, loop: deck.loop };
  }, [seconds, switchAfterMs, switchTo] as const);
}

/**
 * Largest difference between the capture and `scale · source[songFrame]`, the song frame following
 * the clock (and the loop), over capture frames from `fromFrame` on (e.g. after a switch's crossfade).
 */
export function deckResidual(c: DeckCapture, source: Float32Array, scale: number, fromFrame = 0): { max: number; rms: number; signalRms: number } {
  const startedF = Math.round(c.startedAt * c.sr);
  const offsetF = Math.round(c.offset * c.sr);
  const loop = c.loop && { s: Math.round(c.loop.start * c.sr), e: Math.round(c.loop.end * c.sr) };
  let max = 0, sum = 0, sig = 0, n = 0;
  // Frames that passed before the capture first ran (a busy page) were not taken.
  for (let k = Math.max(c.missedFrames, fromFrame); k < c.left.length; k++) {
    let f = offsetF + (c.startFrame + k - startedF);
    if (loop && offsetF < loop.e && f >= loop.e) f = loop.s + ((f - loop.s) % (loop.e - loop.s));
    const want = scale * (source[f] ?? 0);
    const d = Math.abs(c.left[k] - want);
    max = Math.max(max, d);
    sum += d * d;
    sig += want * want;
    n++;
  }
  return { max, rms: Math.sqrt(sum / Math.max(1, n)), signalRms: Math.sqrt(sig / Math.max(1, n)) };
}
