// Geometry of the spectrum comparison (SpectrumCompare): log-frequency x, dB y, one polyline per
// side; bands a side has no level for (above its Nyquist, silent) break its line. No canvas here.
import type { SpectrumInfo } from '@mixroom/protocol';

export const PLOT_MIN_HZ = 20;
export const PLOT_MAX_HZ = 20000;
/** dB shown below the loudest band of all sides. */
export const PLOT_SPAN_DB = 60;

export interface PlotRange { topDb: number; floorDb: number }

/** A range that holds every side: the loudest band rounded up to 6 dB, `PLOT_SPAN_DB` below it. */
export function plotRange(spectra: ReadonlyArray<SpectrumInfo | null>): PlotRange {
  const levels = spectra.flatMap((s) => s?.levelsDb ?? []).filter((l): l is number => l !== null);
  const top = levels.length ? Math.ceil(Math.max(...levels) / 6) * 6 : 0;
  return { topDb: top, floorDb: top - PLOT_SPAN_DB };
}

export const xOfHz = (hz: number, width: number) => (Math.log10(hz / PLOT_MIN_HZ) / Math.log10(PLOT_MAX_HZ / PLOT_MIN_HZ)) * width;
export const yOfDb = (db: number, height: number, r: PlotRange) => ((r.topDb - Math.max(r.floorDb, Math.min(r.topDb, db))) / (r.topDb - r.floorDb)) * height;

/** The polyline segments of one spectrum in a `width`×`height` plot (a null band splits the line). */
export function spectrumSegments(s: SpectrumInfo, width: number, height: number, r: PlotRange): Array<Array<[number, number]>> {
  const segments: Array<Array<[number, number]>> = [];
  let current: Array<[number, number]> = [];
  s.centersHz.forEach((hz, i) => {
    const l = s.levelsDb[i];
    if (l === null) {
      if (current.length) segments.push(current);
      current = [];
      return;
    }
    current.push([xOfHz(hz, width), yOfDb(l, height, r)]);
  });
  if (current.length) segments.push(current);
  return segments;
}
