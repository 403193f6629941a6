'use client';
import { useRef } from 'react';
import { fromNormalized, toNormalized } from '@mixroom/engine';
import { HeldTag } from './HeldTag';
import { sliderAttributes, useSliderDrag, type SliderControlProps } from './use-slider-drag';
import { useWheel } from './use-wheel';

const SCALE_MARKS = [12, 6, 0, -5, -10, -20, -30, -45];

type Props = SliderControlProps;

/**
 * A console fader: relative drag (Shift for fine), double-click for the default,
 * arrows/PageUp/PageDown/Home/End from the keyboard. Position follows the engine's fader law.
 */
export function Fader({ def, value, label, testId, onChange, onHold, heldBy }: Props) {
  const trackRef = useRef<HTMLDivElement>(null);
  const pos = toNormalized(def, value);
  const rootRef = useRef<HTMLDivElement>(null);
  // A wheel notch moves 1 dB near unity (0.1 dB with Shift), like the arrow keys' coarse step.
  useWheel(rootRef, (dir, fine) => {
    const from = value <= def.min ? -60 : value;
    const next = dir > 0 ? from + (fine ? def.step : 1) : value <= def.min ? def.min : value - (fine ? def.step : 1);
    onChange(Math.min(def.max, Math.max(def.min, roundTo(next, def.step))));
  }, onHold);

  const trackHeight = () => trackRef.current!.getBoundingClientRect().height || 1;
  const drag = useSliderDrag({
    position: pos,
    onHold,
    // Grabbing the cap moves it relative to where it was; clicking the track jumps there first.
    startAt: (e) => {
      if ((e.target as HTMLElement).classList.contains('fader-cap')) return pos;
      const rect = trackRef.current!.getBoundingClientRect();
      const at = Math.min(1, Math.max(0, 1 - (e.clientY - rect.top) / rect.height));
      onChange(fromNormalized(def, at));
      return at;
    },
    onMove: (d, e) => {
      const scale = e.shiftKey ? 0.2 : 1;
      const p = Math.min(1, Math.max(0, d.pos + ((d.y - e.clientY) / trackHeight()) * scale));
      onChange(roundTo(fromNormalized(def, p), def.step));
    },
  });

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
      {...sliderAttributes(def, value, label, testId, heldBy)}
      tabIndex={0}
      aria-orientation="vertical"
      title="Drag (Shift: fine) · double-click: reset to 0 dB"
      {...drag}
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
