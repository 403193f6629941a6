import { decodePeaks, type Peaks } from '@mixroom/engine';
import { httpError } from './api';
import { fetchRetryingWhenBusy } from './busy-retry';

/** The server's precomputed overview of a stem (see @mixroom/engine peaks format). */
export async function fetchPeaks(url: string, signal?: AbortSignal): Promise<Peaks> {
  const res = await fetchRetryingWhenBusy(url, { signal });
  if (!res.ok) throw await httpError(res, 'loading waveform');
  return decodePeaks(new Uint8Array(await res.arrayBuffer()));
}
