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

/** What a capture holds against the source: the largest difference, and how far the sound was from where the deck's clock put it. */
export interface DeckResidual { max: number; rms: number; signalRms: number; lateFrames: number }

/**
 * Largest difference between the capture and `scale · source[songFrame]`, the song frame following
 * the clock (and the loop), over capture frames from `fromFrame` on (e.g. after a switch's crossfade).
 * The sound may start a little after the clock's frame (a start the audio thread took late plays
 * at once): the lag is found on the first 2048 frames, within `maxLateSeconds`, returned as
 * `lateFrames`, and every frame after is judged at that lag, so a jump or a drift later still shows.
 */
export function deckResidual(c: DeckCapture, source: Float32Array, scale: number, fromFrame = 0, maxLateSeconds = 0.15): DeckResidual {
  const startedF = Math.round(c.startedAt * c.sr);
  const offsetF = Math.round(c.offset * c.sr);
  const loop = c.loop && { s: Math.round(c.loop.start * c.sr), e: Math.round(c.loop.end * c.sr) };
  // Frames that passed before the capture first ran (a busy page) were not taken.
  const first = Math.max(c.missedFrames, fromFrame);
  const wanted = (k: number, late: number) => {
    let f = offsetF + (c.startFrame + k - startedF - late);
    if (loop && offsetF < loop.e && f >= loop.e) f = loop.s + ((f - loop.s) % (loop.e - loop.s));
    return scale * (source[f] ?? 0);
  };
  const probe = Math.min(2048, c.left.length - first);
  let lateFrames = 0;
  let best = Infinity;
  for (let late = 0; late <= Math.round(maxLateSeconds * c.sr) && best > 0; late++) {
    let err = 0;
    for (let k = first; k < first + probe && err < best; k++) err += Math.abs(c.left[k] - wanted(k, late));
    if (err < best) [best, lateFrames] = [err, late];
  }
  let max = 0, sum = 0, sig = 0, n = 0;
  for (let k = first; k < c.left.length; k++) {
    const want = wanted(k, lateFrames);
    const d = Math.abs(c.left[k] - want);
    max = Math.max(max, d);
    sum += d * d;
    sig += want * want;
    n++;
  }
  return { max, rms: Math.sqrt(sum / Math.max(1, n)), signalRms: Math.sqrt(sig / Math.max(1, n)), lateFrames };
}
