/**
 * The first frame whose time (frame / sampleRate) is at or after t: where valueAt starts to read
 * a breakpoint at t, so a switch flips there (in renders and live playback alike).
 */
export function frameOfTime(t: number, sampleRate: number): number {
  let f = Math.ceil(t * sampleRate);
  while ((f - 1) / sampleRate >= t) f--;
  while (f / sampleRate < t) f++;
  return f;
}
