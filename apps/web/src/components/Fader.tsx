'use client';
import { useRef } from 'react';
import { formatParamValue, fromNormalized, toNormalized, type ParamDef } from '@mixroom/engine';
import type { Presence } from '@mixroom/protocol';
import { HeldTag } from './HeldTag';
import { useWheel } from './use-wheel';

const SCALE_MARKS = [12, 6, 0, -5, -10, -20, -30, -45];

interface Props {
  def: ParamDef;
  value: number;
  label: string;
  testId: string;
  onChange: (value: number) => void;
  /** Tells the others this person has grabbed (true) or released (false) the fader. */
  onHold: (held: boolean) => void;
  heldBy?: Presence;
}

/**
 * A console fader: relative drag (Shift for fine), double-click for the default,
 * arrows/PageUp/PageDown/Home/End from the keyboard. Position follows the engine's fader law.
 */
export function Fader({ def, value, label, testId, onChange, onHold, heldBy }: Props) {
  const trackRef = useRef<HTMLDivElement>(null);
  const drag = useRef<{ startY: number; startPos: number; pointerId: number } | null>(null);
  const pos = toNormalized(def, value);
  const rootRef = useRef<HTMLDivElement>(null);
  // A wheel notch moves 1 dB near unity (0.1 dB with Shift), like the arrow keys' coarse step.
  useWheel(rootRef, (dir, fine) => {
    const from = value <= def.min ? -60 : value;
    const next = dir > 0 ? from + (fine ? def.step : 1) : value <= def.min ? def.min : value - (fine ? def.step : 1);
    onChange(Math.min(def.max, Math.max(def.min, roundTo(next, def.step))));
  }, onHold);

  const positionFromY = (clientY: number) => {
    const rect = trackRef.current!.getBoundingClientRect();
    return 1 - (clientY - rect.top) / rect.height;
  };

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    (e.currentTarget as HTMLElement).focus();
    e.currentTarget.setPointerCapture(e.pointerId);
    const onCap = (e.target as HTMLElement).classList.contains('fader-cap');
    let startPos = pos;
    if (!onCap) {
      startPos = Math.min(1, Math.max(0, positionFromY(e.clientY)));
      onChange(fromNormalized(def, startPos));
    }
    drag.current = { startY: e.clientY, startPos, pointerId: e.pointerId };
    onHold(true);
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d || d.pointerId !== e.pointerId) return;
    const height = trackRef.current!.getBoundingClientRect().height || 1;
    const scale = e.shiftKey ? 0.2 : 1;
    const p = Math.min(1, Math.max(0, d.startPos + ((d.startY - e.clientY) / height) * scale));
    onChange(roundTo(fromNormalized(def, p), def.step));
  };

  const endDrag = (e: React.PointerEvent<HTMLDivElement>) => {
    if (!drag.current || drag.current.pointerId !== e.pointerId) return;
    drag.current = null;
    onHold(false);
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const fine = e.shiftKey ? def.step : 0.5;
    const from = value <= def.min ? -60 : value;
    let next: number | null = null;
    if (e.key === 'ArrowUp' || e.key === 'ArrowRight') next = from + fine;
    else if (e.key === 'ArrowDown' || e.key === 'ArrowLeft') next = value <= def.min ? def.min : value - fine;
    else if (e.key === 'PageUp') next = from + 3;
    else if (e.key === 'PageDown') next = value - 3;
    else if (e.key === 'Home') next = def.defaultValue;
    else if (e.key === 'End') next = def.min;
    if (next === null) return;
    e.preventDefault();
    onChange(Math.min(def.max, Math.max(def.min, roundTo(next, def.step))));
  };

  return (
    <div
      ref={rootRef}
      className={`fader ${heldBy ? 'held' : ''}`}
      style={heldBy ? ({ '--held-color': heldBy.color } as React.CSSProperties) : undefined}
      data-testid={testId}
      role="slider"
      tabIndex={0}
      aria-label={label}
      aria-orientation="vertical"
      aria-valuemin={def.min}
      aria-valuemax={def.max}
      aria-valuenow={value}
      aria-valuetext={formatParamValue(def, value)}
      title="Drag (Shift: fine) · double-click: reset to 0 dB"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={endDrag}
      onPointerCancel={endDrag}
      onLostPointerCapture={endDrag}
      onDoubleClick={() => onChange(def.defaultValue)}
      onKeyDown={onKeyDown}
    >
      <div className="fader-scale" aria-hidden>
        {SCALE_MARKS.filter((db) => db <= def.max).map((db) => (
          <span key={db} className={db === 0 ? 'unity' : ''} style={{ bottom: `${toNormalized(def, db) * 100}%` }}>
            {db > 0 ? `+${db}` : db}
          </span>
        ))}
        <span style={{ bottom: '0%' }}>-∞</span>
      </div>
      <div className="fader-track" ref={trackRef}>
        <div className="fader-slot" />
        <div className="fader-unity" style={{ bottom: `${toNormalized(def, 0) * 100}%` }} />
        <div className="fader-cap" style={{ bottom: `${pos * 100}%` }} />
      </div>
      <HeldTag peer={heldBy} testId={testId} />
    </div>
  );
}

function roundTo(v: number, step: number): number {
  return Math.round(v / step) * step;
}
