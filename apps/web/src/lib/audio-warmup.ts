/**
 * Starts the browser's audio output before the session's AudioContext is made.
 *
 * A page's first `new AudioContext()` waits on the main thread while Chromium starts its audio
 * service and opens the output device: 270–320 ms on this project's 2-core machines, a long task
 * in the middle of opening a session (the next context in the same browser takes 7–15 ms).
 * Asking for the list of media devices starts the same service without blocking the page (the
 * main thread stayed responsive, its longest gap 12 ms), so the context made after it is quick.
 * No permission is needed or asked for: without one the list has no labels, which is all right
 * since it is never read.
 */
let warming: Promise<void> | null = null;

export function warmAudioOutput(media: Pick<MediaDevices, 'enumerateDevices'> | undefined = globalThis.navigator?.mediaDevices): Promise<void> {
  warming ??= (async () => {
    try {
      await media?.enumerateDevices();
    } catch {
      // No devices to list (an insecure page, a policy): the context is made the slow way.
    }
  })();
  return warming;
}

/** Waits for the warm-up, at most `maxMs`: a device list that never comes must not hold the session up. */
export function audioOutputWarmed(maxMs: number, media?: Pick<MediaDevices, 'enumerateDevices'>): Promise<void> {
  return Promise.race([warmAudioOutput(media), new Promise<void>((resolve) => setTimeout(resolve, maxMs))]);
}

/** For tests: forget an earlier warm-up. */
export function resetAudioWarmupForTests(): void {
  warming = null;
}
