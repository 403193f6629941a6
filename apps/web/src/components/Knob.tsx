'use client';
import { useRef } from 'react';
import { formatParamValue, fromNormalized, toNormalized, type ParamDef } from '@mixroom/engine';
import { HeldTag } from './HeldTag';
import { sliderAttributes, useSliderDrag, type SliderControlProps } from './use-slider-drag';
import { useWheel } from './use-wheel';
import { dragToPosition } from '../lib/drag-math';

const SWEEP_DEG = 270;

interface Props extends SliderControlProps {
  disabled?: boolean;
}

/** Snaps to the parameter's step and range, so every way of moving the knob lands on a legal value. */
export function quantize(def: ParamDef, v: number): number {
  const snapped = Math.round(v / def.step) * def.step;
  return Math.min(def.max, Math.max(def.min, Number(snapped.toFixed(6))));
}

/** Moves a value by a fraction of the control's travel (in the taper's space). */
export function nudge(def: ParamDef, value: number, fraction: number): number {
  if (def.taper === 'choice' || def.taper === 'toggle') return quantize(def, value + Math.sign(fraction));
  const next = quantize(def, fromNormalized(def, toNormalized(def, value) + fraction));
  // Tiny nudges on a coarse step may round back to the same value: take at least one step.
  if (next === quantize(def, value)) return quantize(def, value + Math.sign(fraction) * def.step);
  return next;
}

/**
 * A rotary knob for any parameter in the engine's table: vertical drag (Shift: fine), wheel,
 * arrows (Shift: fine) / PageUp / PageDown, Home for the default, double-click to reset.
 * Its travel follows the parameter's taper (log for frequencies and times).
 */
export function Knob({ def, value, label, testId, onChange, onHold, heldBy, disabled }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const pos = toNormalized(def, value);
  const bipolar = def.min < 0 && def.max > 0;
  const angle = -SWEEP_DEG / 2 + pos * SWEEP_DEG;
  const origin = bipolar ? toNormalized(def, 0) : 0;
  const arc = arcPath(origin, pos);
  const text = formatParamValue(def, value);

  useWheel(ref, (dir, fine) => !disabled && onChange(nudge(def, value, dir * (fine ? 0.002 : 0.02))), (h) => !disabled && onHold(h));

  const drag = useSliderDrag({
    position: pos,
    onHold,
    disabled,
    onMove: (d, e) => {
      // Switching Shift mid-drag re-anchors, so the knob does not jump.
      if (d.fine !== e.shiftKey) {
        d.pos = toNormalized(def, value);
        d.y = e.clientY;
        d.fine = e.shiftKey;
      }
      onChange(quantize(def, fromNormalized(def, dragToPosition(d.pos, d.y - e.clientY, e.shiftKey))));
    },
  });

  return (
    <div
      ref={ref}
      className={`knob ${heldBy ? 'held' : ''} ${disabled ? 'disabled' : ''}`}
      {...sliderAttributes(def, value, label, testId, heldBy)}
      tabIndex={disabled ? -1 : 0}
      aria-disabled={disabled || undefined}
      title={heldBy ? `${heldBy.name} is moving ${label}` : `${label}: ${text} · drag (Shift: fine), wheel, double-click: reset`}
      {...drag}
      onDoubleClick={() => !disabled && onChange(def.defaultValue)}
      onKeyDown={(e) => {
        if (disabled) return;
        const small = e.shiftKey ? 0.001 : 0.01;
        let next: number | null = null;
        if (e.key === 'ArrowUp' || e.key === 'ArrowRight') next = nudge(def, value, small);
        else if (e.key === 'ArrowDown' || e.key === 'ArrowLeft') next = nudge(def, value, -small);
        else if (e.key === 'PageUp') next = nudge(def, value, 0.1);
        else if (e.key === 'PageDown') next = nudge(def, value, -0.1);
        else if (e.key === 'Home') next = def.defaultValue;
        if (next === null) return;
        e.preventDefault();
        onChange(next);
      }}
    >
      <svg viewBox="0 0 40 40" aria-hidden>
        <path className="knob-track" d={arcPath(0, 1)} />
        <path className="knob-arc" d={arc} />
        <g transform={`rotate(${angle} 20 20)`}>
          <circle className="knob-body" cx="20" cy="20" r="11" />
          <line className="knob-pointer" x1="20" y1="20" x2="20" y2="10" />
        </g>
      </svg>
      <HeldTag peer={heldBy} testId={testId} />
    </div>
  );
}

/** SVG arc between two knob positions (0…1) on a radius-16 circle. */
function arcPath(a: number, b: number): string {
  const [from, to] = a <= b ? [a, b] : [b, a];
  const pt = (p: number) => {
    const rad = ((-SWEEP_DEG / 2 + p * SWEEP_DEG - 90) * Math.PI) / 180;
    return `${(20 + 16 * Math.cos(rad)).toFixed(2)} ${(20 + 16 * Math.sin(rad)).toFixed(2)}`;
  };
  const large = (to - from) * SWEEP_DEG > 180 ? 1 : 0;
  return `M ${pt(from)} A 16 16 0 ${large} 1 ${pt(to)}`;
}
