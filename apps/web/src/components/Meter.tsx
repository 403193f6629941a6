'use client';
import { createContext, useContext, useEffect, useRef } from 'react';
import type { LevelReading } from '@mixroom/engine';
import { meterPos, type MeterBoard } from './meter-board';

const TICKS = [6, 0, -6, -12, -18, -24, -36, -48];

/** The board that draws the meters of the view around it (see MeterBoardHost). */
export const MeterBoardContext = createContext<MeterBoard | null>(null);

/**
 * Peak (thin) + RMS (solid) bar with a peak-hold line and a clip light. The track and clip light
 * are DOM; the levels are drawn by the view's MeterBoard, with ballistics applied there (the bar
 * falls at a fixed rate so transients stay readable).
 */
export function Meter({ read, testId, showScale = false }: { read: () => LevelReading | null; testId: string; showScale?: boolean }) {
  const board = useContext(MeterBoardContext);
  const barRef = useRef<HTMLDivElement>(null);
  const clipRef = useRef<HTMLDivElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const readRef = useRef(read);
  readRef.current = read;

  useEffect(() => {
    if (!board || !barRef.current || !rootRef.current) return;
    return board.add({ bar: barRef.current, clip: clipRef.current, root: rootRef.current, read: () => readRef.current() });
  }, [board]);

  return (
    <div className="meter-wrap">
      <div className="meter" data-testid={testId} ref={rootRef} aria-hidden>
        <div className="meter-clip" ref={clipRef} />
        <div className="meter-bar" ref={barRef} />
      </div>
      {showScale && (
        <div className="meter-scale" aria-hidden>
          {TICKS.map((db) => (
            <span key={db} style={{ bottom: `${meterPos(db) * 100}%` }}>
              {db > 0 ? `+${db}` : db}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
