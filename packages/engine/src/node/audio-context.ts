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
  installed = true;
}

export { webAudio };
