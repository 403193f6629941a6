'use client';
import { useRef } from 'react';
import { useFrame } from './frame';

const FULL_SCALE_DB = 20;

/** Gain-reduction meter: a bar growing from the right, 0…20 dB, with the figure. */
export function GrMeter({ read, testId, label }: { read: () => number; testId: string; label: string }) {
  const bar = useRef<HTMLDivElement>(null);
  const num = useRef<HTMLSpanElement>(null);
  const root = useRef<HTMLDivElement>(null);
  useFrame(() => {
    const gr = Math.max(0, read());
    if (bar.current) bar.current.style.width = `${Math.min(100, (gr / FULL_SCALE_DB) * 100)}%`;
    if (num.current) num.current.textContent = gr >= 0.05 ? `-${gr.toFixed(1)}` : '0.0';
    root.current?.setAttribute('data-gr', gr.toFixed(2));
  });
  return (
    <div className="gr-meter" ref={root} data-testid={testId} title={`${label} gain reduction (dB)`}>
      <span className="gr-label">GR</span>
      <div className="gr-track">
        <div className="gr-bar" ref={bar} />
      </div>
      <span className="gr-num" ref={num}>
        0.0
      </span>
    </div>
  );
}
