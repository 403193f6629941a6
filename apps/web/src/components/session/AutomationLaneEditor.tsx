'use client';
import { useRef, useState } from 'react';
import { CURVE_SHAPES, drawStroke, formatParamValue, fromNormalized, paramDefFor, paramKey, setSegmentShape, snapTime, toNormalized, type AutomationPoint, type CurveShape, type ParamScope } from '@mixroom/engine';
import type { SessionRuntime } from '../../lib/session-runtime';
import { slug } from '../../lib/format';
import { curvePath } from './AutomationLanes';
import { AutomationRangePanel } from './AutomationRangePanel';
import type { LaneTools } from './AutomationToolbar';

const SHAPE_LABELS: Record<CurveShape, string> = { linear: 'Linear', exp: 'Exponential (log for gain)', hold: 'Hold' };

/**
 * One editable lane. Points tool: click adds a breakpoint, drag moves one, double-click (or
 * Delete) removes it. Pencil: draw freehand. Range: drag to select, then scale, offset, copy,
 * paste or clear. Right-click: the shape of the segment under the pointer. With Snap on, times land
 * on the session's beats (Shift bypasses). Every edit is one undo step and syncs to everyone.
 */
export function AutomationLaneEditor({ runtime, scope, paramId, name, duration, tools }: {
  runtime: SessionRuntime;
  /** The strip: a track, an FX return or the master. */
  scope: ParamScope;
  paramId: string;
  name: string;
  duration: number;
  tools: LaneTools;
}) {
  const key = paramKey(scope, paramId);
  const def = paramDefFor(scope, paramId)!;
  const points = runtime.model.automation.points(key);
  const ref = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const [stroke, setStroke] = useState<Array<{ t: number; v: number }> | null>(null);
  const [range, setRange] = useState<{ from: number; to: number; anchor: number; selecting: boolean } | null>(null);
  const [menu, setMenu] = useState<{ x: number; t: number } | null>(null);
  const snapped = (t: number, e: { shiftKey: boolean }) => (tools.snap && !e.shiftKey ? snapTime(t, runtime.model.getParam({ kind: 'master' }, 'tempo')) : t);
  const at = (e: React.PointerEvent | React.MouseEvent) => {
    const r = ref.current!.getBoundingClientRect();
    const fx = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
    const fy = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
    return { t: fx * duration, v: fromNormalized(def, 1 - fy) };
  };
  /** One edit: written at once, then closed as its own undo step. */
  const edit = (next: AutomationPoint[]) => {
    runtime.model.automation.setPoints(key, next);
    runtime.history.endGesture();
  };
  const testId = `auto-lane-${slug(name)}-${paramId}`;
  const pct = (t: number) => `${(t / Math.max(duration, 1e-9)) * 100}%`;

  return (
    <div
      ref={ref}
      className={`auto-lane tool-${tools.tool}`}
      data-testid={testId}
      data-points={points.length}
      title={tools.tool === 'pencil' ? 'Draw the curve' : tools.tool === 'range' ? 'Drag to select a range' : 'Click: add a point · drag: move · double-click: delete · right-click: segment shape'}
      onPointerDown={(e) => {
        e.stopPropagation();
        setMenu(null);
        if (e.button !== 0 || duration <= 0) return;
        const p = at(e);
        if (tools.tool === 'pencil') {
          ref.current?.setPointerCapture(e.pointerId);
          setStroke([p]);
        } else if (tools.tool === 'range') {
          ref.current?.setPointerCapture(e.pointerId);
          const t = snapped(p.t, e);
          setRange({ from: t, to: t, anchor: t, selecting: true });
        } else {
          runtime.model.automation.setPoints(key, [...points, { t: snapped(p.t, e), v: p.v, shape: 'linear' }]);
          runtime.history.endGesture();
        }
      }}
      onPointerMove={(e) => {
        const p = at(e);
        if (stroke) setStroke([...stroke, p]);
        else if (range?.selecting) {
          const t = snapped(p.t, e);
          setRange({ ...range, from: Math.min(range.anchor, t), to: Math.max(range.anchor, t) });
        } else if (dragging !== null) runtime.model.automation.setPoints(key, points.map((q, i) => (i === dragging ? { ...q, t: snapped(p.t, e), v: p.v } : q)));
      }}
      onPointerUp={() => {
        if (stroke) {
          if (stroke.length > 1) edit(drawStroke(points, stroke, def));
          setStroke(null);
        }
        if (range?.selecting) setRange(range.to > range.from ? { ...range, selecting: false } : null);
        if (dragging !== null) runtime.history.endGesture();
        setDragging(null);
      }}
      onContextMenu={(e) => {
        e.preventDefault();
        const r = ref.current!.getBoundingClientRect();
        if (points.length > 1) setMenu({ x: e.clientX - r.left, t: at(e).t });
      }}
    >
      <svg viewBox="0 0 1000 100" preserveAspectRatio="none" aria-hidden>
        <polyline points={curvePath(points, def, duration)} vectorEffect="non-scaling-stroke" />
        {stroke && <polyline className="auto-stroke" points={stroke.map((s) => `${((s.t / duration) * 1000).toFixed(1)},${((1 - toNormalized(def, s.v)) * 100).toFixed(2)}`).join(' ')} vectorEffect="non-scaling-stroke" />}
      </svg>
      {range && <div className="auto-range" style={{ left: pct(range.from), width: pct(range.to - range.from) }} data-testid={`${testId}-selection`} />}
      {range && !range.selecting && tools.tool === 'range' && <AutomationRangePanel points={points} def={def} from={range.from} to={range.to} duration={duration} testId={testId} onEdit={edit} />}
      {tools.tool === 'point' &&
        points.map((p, i) => (
          <button
            key={`${i}-${p.t}`}
            type="button"
            className="auto-point"
            style={{ left: pct(p.t), top: `${(1 - toNormalized(def, p.v)) * 100}%` }}
            aria-label={`${name} ${def.label} point at ${p.t.toFixed(2)} s: ${formatParamValue(def, p.v)}`}
            data-testid={`${testId}-point`}
            onPointerDown={(e) => {
              e.stopPropagation();
              if (e.button !== 0) return;
              ref.current?.setPointerCapture(e.pointerId);
              setDragging(i);
            }}
            onDoubleClick={() => edit(points.filter((_, j) => j !== i))}
            onKeyDown={(e) => {
              if (e.key === 'Delete' || e.key === 'Backspace') edit(points.filter((_, j) => j !== i));
            }}
          />
        ))}
      {menu && (
        <div className="auto-shape-menu" role="menu" style={{ left: menu.x }} data-testid={`${testId}-shape-menu`} onPointerDown={(e) => e.stopPropagation()}>
          {CURVE_SHAPES.map((shape) => (
            <button
              key={shape}
              type="button"
              role="menuitem"
              onClick={() => {
                edit(setSegmentShape(points, menu.t, shape));
                setMenu(null);
              }}
            >
              {SHAPE_LABELS[shape]}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
