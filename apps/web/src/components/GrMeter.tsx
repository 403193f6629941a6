'use client';
import { useRef } from 'react';
import { useFrame } from './frame';

const FULL_SCALE_DB = 20;

/** Gain-reduction meter: a bar growing from the right, 0…20 dB, with the figure. */
export function GrMeter({ read, testId, label }: { read: () => number; testId: string; label: string }) {
  const bar = useRef<HTMLDivElement>(null);
  const num = useRef<HTMLSpanElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const lastText = useRef(0);
  useFrame((now) => {
    const gr = Math.max(0, read());
    // The bar moves by a transform; text and attribute (layout and style work) change at most 5 times a second.
    const scale = `scaleX(${Math.min(1, gr / FULL_SCALE_DB).toFixed(3)})`;
    if (bar.current && bar.current.style.transform !== scale) bar.current.style.transform = scale;
    if (now - lastText.current < 200) return;
    lastText.current = now;
    const text = gr >= 0.05 ? `-${gr.toFixed(1)}` : '0.0';
    if (num.current && num.current.textContent !== text) num.current.textContent = text;
    const attr = gr.toFixed(1);
    if (root.current && root.current.getAttribute('data-gr') !== attr) root.current.setAttribute('data-gr', attr);
  }, root);
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
