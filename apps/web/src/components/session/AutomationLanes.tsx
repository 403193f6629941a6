'use client';
import { useRef, useState } from 'react';
import { AUTOMATION_MODES, CHANNEL_PARAMS, fromNormalized, formatParamValue, paramDefFor, paramKey, toNormalized, type AutomationMode, type AutomationPoint, type ParamDef } from '@mixroom/engine';
import { AddLaneMenu, BASE_LANES, laneLabel } from './AutomationLaneMenu';
import type { SessionRuntime } from '../../lib/session-runtime';
import { slug } from '../../lib/format';

const MODE_LABELS: Record<AutomationMode, string> = { off: 'Off', read: 'Read', touch: 'Touch', latch: 'Latch', write: 'Write' };

/** SVG points of a curve over a lane: x in [0, 1000] over the song, y in [0, 100] top = max. */
export function curvePath(points: readonly AutomationPoint[], def: ParamDef, duration: number): string {
  if (points.length === 0 || duration <= 0) return '';
  const x = (t: number) => ((Math.min(duration, Math.max(0, t)) / duration) * 1000).toFixed(1);
  const y = (v: number) => ((1 - toNormalized(def, v)) * 100).toFixed(2);
  const out = [`0,${y(points[0].v)}`];
  points.forEach((p, i) => {
    // A hold step stays flat until the next point.
    if (i > 0 && points[i - 1].shape === 'hold') out.push(`${x(p.t)},${y(points[i - 1].v)}`);
    out.push(`${x(p.t)},${y(p.v)}`);
  });
  out.push(`1000,${y(points[points.length - 1].v)}`);
  return out.join(' ');
}

/** The fader curve drawn over a track's waveform (read-only). */
export function CurveOverlay({ points, duration, testId }: { points: readonly AutomationPoint[]; duration: number; testId: string }) {
  if (points.length === 0) return null;
  return (
    <svg className="auto-overlay" viewBox="0 0 1000 100" preserveAspectRatio="none" aria-hidden data-testid={testId}>
      <polyline points={curvePath(points, CHANNEL_PARAMS.gain, duration)} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

/**
 * Heads of a track's open lanes: name, clear (a lane opened from the menu also folds away) and,
 * on the first, the strip's write mode and the "+ lane" menu.
 */
export function AutomationHeads({ runtime, channelId, name, lanes, onAdd, onRemove }: {
  runtime: SessionRuntime;
  channelId: string;
  name: string;
  lanes: readonly string[];
  onAdd: (paramId: string) => void;
  onRemove: (paramId: string) => void;
}) {
  const scope = { kind: 'channel' as const, channelId };
  const mode = runtime.model.automation.getMode(scope);
  return (
    <>
      {lanes.map((paramId, i) => {
        const label = laneLabel(paramId);
        return (
          <div key={paramId} className="auto-head" data-testid={`auto-head-${slug(name)}-${paramId}`}>
            <span title={label}>{label}</span>
            {i === 0 && (
              <>
                <select
                  value={mode}
                  aria-label={`${name} automation mode`}
                  data-testid={`auto-mode-${slug(name)}`}
                  onChange={(e) => runtime.model.automation.setMode(scope, e.target.value)}
                >
                  {AUTOMATION_MODES.map((m) => (
                    <option key={m} value={m}>{MODE_LABELS[m]}</option>
                  ))}
                </select>
                <AddLaneMenu name={name} shown={lanes} onAdd={onAdd} />
              </>
            )}
            <button
              type="button"
              className="auto-clear"
              title={`Clear ${label.toLowerCase()} automation`}
              aria-label={`Clear ${name} ${label.toLowerCase()} automation`}
              onClick={() => {
                runtime.model.automation.clear(paramKey(scope, paramId));
                if (!(BASE_LANES as readonly string[]).includes(paramId)) onRemove(paramId);
              }}
            >
              ×
            </button>
          </div>
        );
      })}
    </>
  );
}

/**
 * One editable lane: click adds a breakpoint, dragging one moves it, double-click (or Delete
 * while it has focus) removes it. Every edit goes straight into the shared document.
 */
export function AutomationLaneEditor({ runtime, channelId, paramId, name, duration }: { runtime: SessionRuntime; channelId: string; paramId: string; name: string; duration: number }) {
  const key = paramKey({ kind: 'channel', channelId }, paramId);
  const def = paramDefFor({ kind: 'channel', channelId }, paramId)!;
  const points = runtime.model.automation.points(key);
  const ref = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const at = (e: React.PointerEvent) => {
    const r = ref.current!.getBoundingClientRect();
    const fx = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
    const fy = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
    return { t: fx * duration, v: fromNormalized(def, 1 - fy) };
  };
  const write = (next: AutomationPoint[]) => runtime.model.automation.setPoints(key, next);
  const testId = `auto-lane-${slug(name)}-${paramId}`;
  return (
    <div
      ref={ref}
      className="auto-lane"
      data-testid={testId}
      data-points={points.length}
      title="Click: add a point · drag: move · double-click: delete"
      onPointerDown={(e) => {
        e.stopPropagation();
        if (e.button !== 0 || duration <= 0) return;
        const { t, v } = at(e);
        write([...points, { t, v, shape: 'linear' }]);
      }}
      onPointerMove={(e) => {
        if (dragging === null) return;
        const { t, v } = at(e);
        write(points.map((p, i) => (i === dragging ? { ...p, t, v } : p)));
      }}
      onPointerUp={() => {
        if (dragging !== null) runtime.history.endGesture();
        setDragging(null);
      }}
    >
      <svg viewBox="0 0 1000 100" preserveAspectRatio="none" aria-hidden>
        <polyline points={curvePath(points, def, duration)} vectorEffect="non-scaling-stroke" />
      </svg>
      {points.map((p, i) => (
        <button
          key={`${i}-${p.t}`}
          type="button"
          className="auto-point"
          style={{ left: `${(p.t / Math.max(duration, 1e-9)) * 100}%`, top: `${(1 - toNormalized(def, p.v)) * 100}%` }}
          aria-label={`${name} ${def.label} point at ${p.t.toFixed(2)} s: ${formatParamValue(def, p.v)}`}
          data-testid={`${testId}-point`}
          onPointerDown={(e) => {
            e.stopPropagation();
            if (e.button !== 0) return;
            ref.current?.setPointerCapture(e.pointerId);
            setDragging(i);
          }}
          onDoubleClick={() => write(points.filter((_, j) => j !== i))}
          onKeyDown={(e) => {
            if (e.key === 'Delete' || e.key === 'Backspace') write(points.filter((_, j) => j !== i));
          }}
        />
      ))}
    </div>
  );
}
