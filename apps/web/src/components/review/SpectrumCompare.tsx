'use client';
// What the version player compares, side by side: each side's integrated loudness, LRA, true
// peak and level trim, and their long-term 1/3-octave spectra on one canvas (the heard side drawn
// bold). References carry their spectrum; a version's is fetched (the server measures it once).
import { useEffect, useMemo, useRef, useState } from 'react';
import type { SpectrumInfo } from '@mixroom/protocol';
import { isReference, sideLetter, sourceLabel, type DeckSource } from '../../lib/deck-sources';
import type { ReviewClient } from '../../lib/review';
import { plotRange, spectrumSegments, xOfHz, yOfDb } from '../../lib/spectrum-plot';

const COLORS = ['#5b9cf5', '#f5a25b', '#7fd18b', '#d17fc9'];
const fig = (x: number | null, unit: string) => (x === null ? '—' : `${x.toFixed(1)} ${unit}`);

function useSpectra(sides: DeckSource[], review: ReviewClient): Array<SpectrumInfo | null> {
  const [fetched, setFetched] = useState<Record<string, SpectrumInfo>>({});
  const key = sides.map((s) => s.id).join();
  useEffect(() => {
    let live = true;
    for (const s of sides) {
      if (isReference(s)) continue;
      review.getJson<SpectrumInfo>(s.spectrumUrl, 'loading the spectrum').then((sp) => live && setFetched((f) => ({ ...f, [s.id]: sp })), () => {});
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- refetch only when the sides change
  }, [key, review]);
  return sides.map((s) => (isReference(s) ? s.spectrum : fetched[s.id] ?? null));
}

/** The live mix's render as one more column (its figures and spectrum measured in the page). */
export interface LiveColumn {
  loudness: { integrated: number; range: number; truePeak: number };
  spectrum: SpectrumInfo;
}

export function SpectrumCompare({ sides, live = null, heard, trims, review }: { sides: DeckSource[]; live?: LiveColumn | null; heard: number; trims: number[]; review: ReviewClient }) {
  const fetchedSpectra = useSpectra(sides, review);
  const spectra = useMemo(() => (live ? [...fetchedSpectra, live.spectrum] : fetchedSpectra), [fetchedSpectra, live]);
  // Headers short enough for three or four columns in the side panel; the full names in their titles.
  const columns = [
    ...sides.map((s, i) => ({ id: s.id, label: `${sideLetter(i)}: ${sourceLabel(s)}`, short: `${sideLetter(i)}: ${isReference(s) ? 'ref' : `v${s.number}`}`, loudness: s.loudness })),
    ...(live ? [{ id: 'live', label: `${sideLetter(sides.length)}: live mix`, short: `${sideLetter(sides.length)}: live`, loudness: live.loudness }] : []),
  ];
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const c = canvas.current;
    const g = c?.getContext('2d');
    if (!c || !g) return;
    const w = (c.width = c.clientWidth * devicePixelRatio || 300);
    const h = (c.height = c.clientHeight * devicePixelRatio || 120);
    const r = plotRange(spectra);
    g.clearRect(0, 0, w, h);
    g.strokeStyle = 'rgba(255,255,255,0.12)';
    g.fillStyle = 'rgba(255,255,255,0.45)';
    g.font = `${10 * devicePixelRatio}px sans-serif`;
    g.lineWidth = 1;
    for (const hz of [100, 1000, 10000]) {
      g.beginPath();
      g.moveTo(xOfHz(hz, w), 0);
      g.lineTo(xOfHz(hz, w), h);
      g.stroke();
      g.fillText(hz >= 1000 ? `${hz / 1000}k` : String(hz), xOfHz(hz, w) + 2, h - 2);
    }
    for (let db = r.topDb; db > r.floorDb; db -= 12) {
      g.beginPath();
      g.moveTo(0, yOfDb(db, h, r));
      g.lineTo(w, yOfDb(db, h, r));
      g.stroke();
      g.fillText(`${db} dB`, 2, yOfDb(db, h, r) + 10 * devicePixelRatio);
    }
    // The heard side last, on top.
    const order = spectra.map((_, i) => i).sort((a, b) => Number(a === heard) - Number(b === heard));
    for (const i of order) {
      const s = spectra[i];
      if (!s) continue;
      g.strokeStyle = COLORS[i % COLORS.length];
      g.lineWidth = (i === heard ? 2.5 : 1.25) * devicePixelRatio;
      for (const seg of spectrumSegments(s, w, h, r)) {
        g.beginPath();
        seg.forEach(([x, y], k) => (k ? g.lineTo(x, y) : g.moveTo(x, y)));
        g.stroke();
      }
    }
  }, [spectra, heard]);

  const ready = spectra.every((s) => s !== null);
  return (
    <div className="deck-compare" data-testid="deck-compare" data-spectra-ready={ready}>
      <div className="deck-figures-scroll">
      <table className="deck-figures" data-testid="deck-figures">
        <thead>
          <tr><th /> {columns.map((s, i) => <th key={s.id} style={{ color: COLORS[i % COLORS.length] }} title={s.label}>{s.short}</th>)}</tr>
        </thead>
        <tbody>
          <tr><td>Integrated</td>{columns.map((s, i) => <td key={s.id} data-testid={`figure-integrated-${i}`}>{fig(s.loudness.integrated, 'LUFS')}</td>)}</tr>
          <tr><td>LRA</td>{columns.map((s, i) => <td key={s.id} data-testid={`figure-lra-${i}`}>{fig(s.loudness.range, 'LU')}</td>)}</tr>
          <tr><td>True peak</td>{columns.map((s, i) => <td key={s.id} data-testid={`figure-tp-${i}`}>{fig(s.loudness.truePeak, 'dBTP')}</td>)}</tr>
          <tr><td>Played at</td>{columns.map((s, i) => <td key={s.id}>{trims[i] === 0 ? 'as is' : `${trims[i].toFixed(1)} dB`}</td>)}</tr>
        </tbody>
      </table>
      </div>
      <canvas
        ref={canvas}
        className="spectrum-canvas"
        data-testid="spectrum-canvas"
        role="img"
        aria-label={`Long-term 1/3-octave spectra of ${columns.map((s) => s.label).join(' and ')}, 20 Hz to 20 kHz`}
        data-levels={JSON.stringify(spectra.map((s) => s?.levelsDb ?? null))}
      />
    </div>
  );
}
