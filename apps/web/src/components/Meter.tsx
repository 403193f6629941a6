'use client';
import { useRef } from 'react';
import type { LevelReading } from '@mixroom/engine';
import { useFrame } from './frame';

const FLOOR_DB = -60;
const CEIL_DB = 6;
const HOLD_MS = 1200;
const FALL_DB_PER_S = 24;

const toPos = (db: number) => (Number.isFinite(db) ? Math.min(1, Math.max(0, (db - FLOOR_DB) / (CEIL_DB - FLOOR_DB))) : 0);

const TICKS = [6, 0, -6, -12, -18, -24, -36, -48];

function setStyle(el: HTMLElement | null, prop: 'transform' | 'opacity', value: string): void {
  if (el && el.style[prop] !== value) el.style[prop] = value;
}

/**
 * Peak (thin) + RMS (solid) bar with a peak-hold line and a clip light. Ballistics are
 * applied here: the bar falls at a fixed rate so transients stay readable.
 */
export function Meter({ read, testId, showScale = false }: { read: () => LevelReading | null; testId: string; showScale?: boolean }) {
  const peakRef = useRef<HTMLDivElement>(null);
  const rmsRef = useRef<HTMLDivElement>(null);
  const holdRef = useRef<HTMLDivElement>(null);
  const clipRef = useRef<HTMLDivElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const state = useRef({ peak: -Infinity, rms: -Infinity, hold: -Infinity, holdAt: 0, last: 0, clipAt: -1e9, attrAt: 0 });

  useFrame((now) => {
    const r = read();
    const s = state.current;
    const dt = s.last ? (now - s.last) / 1000 : 0;
    s.last = now;
    const fall = (prev: number, next: number) => (next >= prev || !Number.isFinite(prev) ? next : Math.max(next, prev - FALL_DB_PER_S * dt));
    s.peak = fall(s.peak, r?.peakDb ?? -Infinity);
    s.rms = fall(s.rms, r?.rmsDb ?? -Infinity);
    if (s.peak >= s.hold || now - s.holdAt > HOLD_MS) {
      s.hold = s.peak;
      s.holdAt = now;
    }
    if ((r?.peakDb ?? -Infinity) >= 0) s.clipAt = now;
    // Only what changed is written: an unchanged style still costs a style pass per meter.
    setStyle(peakRef.current, 'transform', `scaleY(${toPos(s.peak).toFixed(3)})`);
    setStyle(rmsRef.current, 'transform', `scaleY(${toPos(s.rms).toFixed(3)})`);
    setStyle(holdRef.current, 'transform', `translateY(${(-toPos(s.hold) * 100).toFixed(2)}%)`);
    setStyle(holdRef.current, 'opacity', Number.isFinite(s.hold) && s.hold > FLOOR_DB ? '1' : '0');
    const clip = now - s.clipAt < 2000;
    if (clipRef.current && clipRef.current.classList.contains('on') !== clip) clipRef.current.classList.toggle('on', clip);
    // The readable figure (an attribute: style work) at most 5 times a second.
    if (now - s.attrAt >= 200) {
      s.attrAt = now;
      const peakText = Number.isFinite(s.peak) ? s.peak.toFixed(1) : '-inf';
      if (rootRef.current && rootRef.current.dataset.peakDb !== peakText) rootRef.current.dataset.peakDb = peakText;
    }
  });

  return (
    <div className="meter-wrap">
      <div className="meter" data-testid={testId} ref={rootRef} aria-hidden>
        <div className="meter-clip" ref={clipRef} />
        <div className="meter-bar">
          <div className="meter-peak" ref={peakRef} />
          <div className="meter-rms" ref={rmsRef} />
          <div className="meter-hold" ref={holdRef} />
        </div>
      </div>
      {showScale && (
        <div className="meter-scale" aria-hidden>
          {TICKS.map((db) => (
            <span key={db} style={{ bottom: `${toPos(db) * 100}%` }}>
              {db > 0 ? `+${db}` : db}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
