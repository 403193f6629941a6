'use client';
import { useRef } from 'react';
import { formatParamValue, type ParamDef } from '@mixroom/engine';
import type { Presence } from '@mixroom/protocol';

/** The props every parameter control (fader, knob, pan) takes. */
export interface SliderControlProps {
  def: ParamDef;
  value: number;
  label: string;
  testId: string;
  onChange: (value: number) => void;
  /** Tells the others this person has grabbed (true) or released (false) the control. */
  onHold: (held: boolean) => void;
  heldBy?: Presence;
}

/** Where a drag started; `onMove` may re-anchor it (e.g. when Shift changes mid-drag). */
export interface DragAnchor {
  x: number;
  y: number;
  /** Normalised control position (0…1) at the anchor. */
  pos: number;
  pointerId: number;
  fine: boolean;
}

interface DragOptions {
  /** The control's current normalised position. */
  position: number;
  onHold: (held: boolean) => void;
  onMove: (anchor: DragAnchor, e: React.PointerEvent<HTMLElement>) => void;
  /** Position to start from; by default the current one (relative drag). */
  startAt?: (e: React.PointerEvent<HTMLElement>) => number;
  disabled?: boolean;
}

/**
 * Pointer handling shared by faders, knobs and pan controls: capture the pointer so a drag keeps
 * going outside the control, tell the others the control is held for exactly as long as the
 * drag lasts, and ignore other pointers (a second finger) meanwhile.
 */
export function useSliderDrag({ position, onHold, onMove, startAt, disabled }: DragOptions) {
  const drag = useRef<DragAnchor | null>(null);
  const end = (e: React.PointerEvent<HTMLElement>) => {
    if (!drag.current || drag.current.pointerId !== e.pointerId) return;
    drag.current = null;
    onHold(false);
  };
  return {
    onPointerDown: (e: React.PointerEvent<HTMLElement>) => {
      if (e.button !== 0 || disabled) return;
      e.preventDefault();
      e.currentTarget.focus();
      e.currentTarget.setPointerCapture(e.pointerId);
      const pos = startAt ? startAt(e) : position;
      drag.current = { x: e.clientX, y: e.clientY, pos, pointerId: e.pointerId, fine: e.shiftKey };
      onHold(true);
    },
    onPointerMove: (e: React.PointerEvent<HTMLElement>) => {
      const d = drag.current;
      if (d && d.pointerId === e.pointerId) onMove(d, e);
    },
    onPointerUp: end,
    onPointerCancel: end,
    onLostPointerCapture: end,
  };
}

/** The ARIA slider attributes and held-by styling every parameter control carries. */
export function sliderAttributes(def: ParamDef, value: number, label: string, testId: string, heldBy: Presence | undefined) {
  return {
    'data-testid': testId,
    role: 'slider' as const,
    'aria-label': label,
    'aria-valuemin': def.min,
    'aria-valuemax': def.max,
    'aria-valuenow': value,
    'aria-valuetext': formatParamValue(def, value),
    style: heldBy ? ({ '--held-color': heldBy.color } as React.CSSProperties) : undefined,
  };
}
