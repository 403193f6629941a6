// Tone.js expects browser globals. In Node we provide them from node-web-audio-api
// so the very same graph code renders offline on the server and in tests.
import * as webAudio from 'node-web-audio-api';

let installed = false;

export function installWebAudioGlobals(): void {
  if (installed) return;
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(webAudio)) {
    if (!(name in g)) g[name] = value;
  }
  if (!('window' in g)) g.window = globalThis;
  // node-web-audio-api's AudioWorklet uses Promise.withResolvers, which Node 20 lacks.
  const P = Promise as unknown as { withResolvers?: unknown };
  P.withResolvers ??= function withResolvers<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
  installed = true;
}

export { webAudio };
