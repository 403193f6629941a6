'use client';
import { AUTOMATION_MODES, CHANNEL_PARAMS, paramKey, toNormalized, type AutomationMode, type AutomationPoint, type ParamDef, type ParamScope } from '@mixroom/engine';
import { AddLaneMenu, baseLanes, laneLabel } from './AutomationLaneMenu';
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
export function CurveOverlay({ points, duration, testId, def = CHANNEL_PARAMS.gain }: { points: readonly AutomationPoint[]; duration: number; testId: string; def?: ParamDef }) {
  if (points.length === 0) return null;
  return (
    <svg className="auto-overlay" viewBox="0 0 1000 100" preserveAspectRatio="none" aria-hidden data-testid={testId}>
      <polyline points={curvePath(points, def, duration)} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

/**
 * Heads of a strip's open lanes (a track, an FX return, the master): name, clear (a lane opened
 * from the menu also folds away) and, on the first, the strip's write mode and the "+ lane" menu.
 */
export function AutomationHeads({ runtime, scope, name, lanes, onAdd, onRemove }: {
  runtime: SessionRuntime;
  scope: ParamScope;
  name: string;
  lanes: readonly string[];
  onAdd: (paramId: string) => void;
  onRemove: (paramId: string) => void;
}) {
  const mode = runtime.model.automation.getMode(scope);
  const base = baseLanes(scope);
  return (
    <>
      {lanes.map((paramId, i) => {
        const label = laneLabel(paramId, scope);
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
                <AddLaneMenu name={name} scope={scope} shown={lanes} onAdd={onAdd} />
              </>
            )}
            <button
              type="button"
              className="auto-clear"
              title={`Clear ${label.toLowerCase()} automation`}
              aria-label={`Clear ${name} ${label.toLowerCase()} automation`}
              onClick={() => {
                runtime.model.automation.clear(paramKey(scope, paramId));
                if (!base.includes(paramId)) onRemove(paramId);
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
