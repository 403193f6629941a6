'use client';
import { useRef } from 'react';
import { formatParamValue, toNormalized, fromNormalized, type ParamDef } from '@mixroom/engine';
import type { Presence } from '@mixroom/protocol';
import { HeldTag } from './HeldTag';

interface Props {
  def: ParamDef;
  value: number;
  label: string;
  testId: string;
  onChange: (value: number) => void;
  onHold: (held: boolean) => void;
  heldBy?: Presence;
}

/** Horizontal pan strip with a centre detent; drag sideways, double-click to centre. */
export function PanControl({ def, value, label, testId, onChange, onHold, heldBy }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const drag = useRef<{ startX: number; startPos: number; pointerId: number } | null>(null);
  const pos = toNormalized(def, value);
  const left = Math.min(pos, 0.5);
  const width = Math.abs(pos - 0.5);

  return (
    <div
      ref={ref}
      className={`pan ${heldBy ? 'held' : ''}`}
      style={heldBy ? ({ '--held-color': heldBy.color } as React.CSSProperties) : undefined}
      data-testid={testId}
      role="slider"
      tabIndex={0}
      aria-label={label}
      aria-valuemin={def.min}
      aria-valuemax={def.max}
      aria-valuenow={value}
      aria-valuetext={formatParamValue(def, value)}
      title="Drag sideways · double-click: centre"
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.preventDefault();
        e.currentTarget.focus();
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { startX: e.clientX, startPos: pos, pointerId: e.pointerId };
        onHold(true);
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d || d.pointerId !== e.pointerId) return;
        const w = ref.current!.getBoundingClientRect().width || 1;
        let p = d.startPos + ((e.clientX - d.startX) / w) * (e.shiftKey ? 0.25 : 1);
        // A small detent makes it easy to land exactly in the centre.
        if (Math.abs(p - 0.5) < 0.015) p = 0.5;
        onChange(Math.round(fromNormalized(def, p) / def.step) * def.step);
      }}
      onPointerUp={() => {
        if (drag.current) onHold(false);
        drag.current = null;
      }}
      onLostPointerCapture={() => {
        if (drag.current) onHold(false);
        drag.current = null;
      }}
      onDoubleClick={() => onChange(def.defaultValue)}
      onKeyDown={(e) => {
        const delta = e.key === 'ArrowLeft' || e.key === 'ArrowDown' ? -0.05 : e.key === 'ArrowRight' || e.key === 'ArrowUp' ? 0.05 : 0;
        if (e.key === 'Home') onChange(def.defaultValue);
        if (delta === 0) return;
        e.preventDefault();
        onChange(Math.min(def.max, Math.max(def.min, Math.round((value + delta) * 100) / 100)));
      }}
    >
      <div className="pan-track">
        <div className="pan-fill" style={{ left: `${left * 100}%`, width: `${width * 100}%` }} />
        <div className="pan-center" />
        <div className="pan-thumb" style={{ left: `${pos * 100}%` }} />
      </div>
      <HeldTag peer={heldBy} testId={testId} />
    </div>
  );
}
