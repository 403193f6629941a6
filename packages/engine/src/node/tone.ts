import { installWebAudioGlobals } from './audio-context';
import type { ToneLib } from '../graph/mix-graph';

let tone: Promise<ToneLib> | null = null;

/** Tone.js for Node: installs the Web Audio globals first, because Tone reads them at import time. */
export function loadTone(): Promise<ToneLib> {
  installWebAudioGlobals();
  tone ??= import('tone') as Promise<ToneLib>;
  return tone;
}
