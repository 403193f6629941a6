import { computePeaks, decodePeaks, type Peaks } from '@mixroom/engine';
import { httpError } from './api';

/** The server's precomputed overview of a stem (see @mixroom/engine peaks format). */
export async function fetchPeaks(url: string, signal?: AbortSignal): Promise<Peaks> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw await httpError(res, 'loading waveform');
  return decodePeaks(new Uint8Array(await res.arrayBuffer()));
}

/** Fallback when the server has no (readable) peaks: derive them from the decoded audio. */
export function peaksFromBuffer(buffer: AudioBuffer): Peaks {
  const channels = Array.from({ length: buffer.numberOfChannels }, (_, i) => buffer.getChannelData(i));
  return computePeaks(channels, buffer.sampleRate, [1024]);
}
