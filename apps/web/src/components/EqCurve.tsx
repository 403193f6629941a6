'use client';
import { useMemo } from 'react';
import { CURVE_FREQS, eqCurve } from '../lib/eq-curve';

const RANGE_DB = 18;

/** The EQ (and filter) response of a scope, drawn from its parameters; ±18 dB, 20 Hz–20 kHz. */
export function EqCurve({ params, testId, compact = false }: { params: Record<string, number>; testId: string; compact?: boolean }) {
  const w = compact ? 80 : 240;
  const h = compact ? 28 : 90;
  const deps = Object.entries(params)
    .filter(([k]) => /^(eq|hpf|lpf)/.test(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const points = useMemo(() => {
    const db = eqCurve(params);
    return Array.from(db, (v, i) => {
      const x = (i / (CURVE_FREQS.length - 1)) * w;
      const y = h / 2 - (Math.max(-RANGE_DB, Math.min(RANGE_DB, v)) / RANGE_DB) * (h / 2 - 2);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    }).join(' ');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [deps, w, h]);
  return (
    <svg className={`eq-curve ${compact ? 'compact' : ''}`} viewBox={`0 0 ${w} ${h}`} width={w} height={h} data-testid={testId} data-points={points} aria-hidden>
      {!compact &&
        [100, 1000, 10000].map((f) => {
          const x = (Math.log(f / 20) / Math.log(1000)) * w;
          return <line key={f} className="eq-grid" x1={x} x2={x} y1={0} y2={h} />;
        })}
      <line className="eq-zero" x1={0} x2={w} y1={h / 2} y2={h / 2} />
      <polyline className="eq-line" points={points} />
    </svg>
  );
}
