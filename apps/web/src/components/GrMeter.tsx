'use client';
import { useContext, useEffect, useRef } from 'react';
import { useFrame } from './frame';
import { MeterBoardContext } from './Meter';

const FULL_SCALE_DB = 20;
const TEXT_MS = 200;

/**
 * Gain-reduction meter: a bar growing from the right, 0…20 dB, with the figure. Inside a meter
 * board (the console) the board draws bar and figure on its canvas: a figure changing in the DOM
 * five times a second laid out and repainted the whole console. Elsewhere (the detail panel) the
 * bar moves by a transform and the figure is text.
 */
export function GrMeter({ read, testId, label }: { read: () => number; testId: string; label: string }) {
  const board = useContext(MeterBoardContext);
  const bar = useRef<HTMLDivElement>(null);
  const track = useRef<HTMLDivElement>(null);
  const num = useRef<HTMLSpanElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const readRef = useRef(read);
  readRef.current = read;
  const lastText = useRef(0);

  useEffect(() => {
    if (!board || !track.current || !num.current || !root.current) return;
    return board.addGr({ track: track.current, num: num.current, root: root.current, read: () => readRef.current() });
  }, [board]);

  useFrame((now) => {
    if (board) return;
    const gr = Math.max(0, read());
    // The bar moves by a transform; text and attribute (layout and style work) change at most 5 times a second.
    // In quarter-dB steps: a bar that has not visibly moved is not repainted.
    const scale = `scaleX(${(Math.round(Math.min(FULL_SCALE_DB, gr) * 4) / 4 / FULL_SCALE_DB).toFixed(4)})`;
    if (bar.current && bar.current.style.transform !== scale) bar.current.style.transform = scale;
    // Every figure changes in the same frame: one repaint for all of them.
    if (Math.floor(now / TEXT_MS) === Math.floor(lastText.current / TEXT_MS)) return;
    lastText.current = now;
    const text = gr >= 0.05 ? `-${gr.toFixed(1)}` : '0.0';
    if (num.current && num.current.textContent !== text) num.current.textContent = text;
    const attr = gr.toFixed(1);
    if (root.current && root.current.getAttribute('data-gr') !== attr) root.current.setAttribute('data-gr', attr);
  }, root);
  return (
    <div className="gr-meter" ref={root} data-testid={testId} title={`${label} gain reduction (dB)`}>
      <span className="gr-label">GR</span>
      <div className="gr-track" ref={track}>
        {!board && <div className="gr-bar" ref={bar} />}
      </div>
      <span className="gr-num" ref={num}>
        {board ? '' : '0.0'}
      </span>
    </div>
  );
}
