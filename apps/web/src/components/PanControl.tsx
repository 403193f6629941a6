'use client';
import { useRef } from 'react';
import { toNormalized, fromNormalized } from '@mixroom/engine';
import { HeldTag } from './HeldTag';
import { dragToPosition } from '../lib/drag-math';
import { sliderAttributes, useSliderDrag, type SliderControlProps } from './use-slider-drag';

type Props = SliderControlProps;

/** Horizontal pan strip with a centre detent; drag sideways, double-click to centre. */
export function PanControl({ def, value, label, testId, onChange, onHold, heldBy }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const pos = toNormalized(def, value);
  const drag = useSliderDrag({
    position: pos,
    onHold,
    onMove: (d, e) => {
      // A fixed travel, not the control's width: a narrow strip's pan would otherwise jump to L100 in 30 px.
      if (d.fine !== e.shiftKey) {
        d.pos = toNormalized(def, value);
        d.x = e.clientX;
        d.fine = e.shiftKey;
      }
      let p = dragToPosition(d.pos, e.clientX - d.x, e.shiftKey);
      // A small detent makes it easy to land exactly in the centre.
      if (Math.abs(p - 0.5) < 0.015) p = 0.5;
      onChange(Math.round(fromNormalized(def, p) / def.step) * def.step);
    },
  });
  const left = Math.min(pos, 0.5);
  const width = Math.abs(pos - 0.5);

  return (
    <div
      ref={ref}
      className={`pan ${heldBy ? 'held' : ''}`}
      {...sliderAttributes(def, value, label, testId, heldBy)}
      tabIndex={0}
      title="Drag sideways · double-click: centre"
      {...drag}
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
