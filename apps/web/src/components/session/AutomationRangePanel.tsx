'use client';
import { useState } from 'react';
import { copyRange, offsetRange, pasteClip, replaceRange, scaleRange, type AutomationClip, type AutomationPoint, type ParamDef } from '@mixroom/engine';

/** The last copied range (this window only): pastes into any lane of the same kind. */
let clipboard: AutomationClip | null = null;

/**
 * What to do with a selected time range of a lane: scale it (% around its mean or toward 0),
 * offset it, copy it, paste the copied range at its start, or clear it. Each is one edit.
 */
export function AutomationRangePanel({ points, def, from, to, duration, testId, onEdit }: {
  points: readonly AutomationPoint[];
  duration: number;
  def: ParamDef;
  from: number;
  to: number;
  testId: string;
  onEdit: (next: AutomationPoint[]) => void;
}) {
  const [percent, setPercent] = useState('50');
  const [about, setAbout] = useState<'mean' | 'zero'>('mean');
  const [delta, setDelta] = useState(def.unit === 'dB' ? '-3' : '0.1');
  const [message, setMessage] = useState('');
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s));
  const stop = (e: React.SyntheticEvent) => e.stopPropagation();
  return (
    // Above the lane, at the selection (its start, or its end in the song's second half): the
    // lane itself stays free to select again.
    <div className="auto-range-panel" style={placeAt(from, to, duration)} data-testid={`${testId}-range`} onPointerDown={stop} onKeyDown={stop}>
      <label>
        Scale
        <input value={percent} inputMode="decimal" aria-label="Scale the range, percent" data-testid={`${testId}-scale`} onChange={(e) => setPercent(e.target.value)} />%
      </label>
      <select value={about} aria-label="Scale around" onChange={(e) => setAbout(e.target.value as 'mean' | 'zero')}>
        <option value="mean">around its mean</option>
        <option value="zero">toward 0</option>
      </select>
      <button
        type="button"
        data-testid={`${testId}-scale-apply`}
        onClick={() => (Number.isFinite(num(percent)) ? onEdit(scaleRange(points, from, to, num(percent), about, def)) : setMessage('Type a percentage, e.g. 50'))}
      >
        Apply
      </button>
      <label>
        Offset
        <input value={delta} inputMode="decimal" aria-label={`Offset the range, ${def.unit}`} data-testid={`${testId}-offset`} onChange={(e) => setDelta(e.target.value)} />
        {def.unit === 'dB' ? 'dB' : ''}
      </label>
      <button
        type="button"
        data-testid={`${testId}-offset-apply`}
        onClick={() => (Number.isFinite(num(delta)) ? onEdit(offsetRange(points, from, to, num(delta), def)) : setMessage('Type a number, e.g. -3'))}
      >
        Apply
      </button>
      <button
        type="button"
        data-testid={`${testId}-copy`}
        onClick={() => {
          clipboard = copyRange(points, from, to, def);
          setMessage('Copied');
        }}
      >
        Copy
      </button>
      <button
        type="button"
        data-testid={`${testId}-paste`}
        onClick={() => {
          const next = clipboard ? pasteClip(points, clipboard, from, def) : null;
          if (next) onEdit(next);
          else setMessage(clipboard ? 'That range is from a lane of another kind' : 'Copy a range first');
        }}
      >
        Paste
      </button>
      <button type="button" data-testid={`${testId}-clear`} onClick={() => onEdit(replaceRange(points, from, to, []))}>
        Clear
      </button>
      {message && <span role="status">{message}</span>}
    </div>
  );
}

function placeAt(from: number, to: number, duration: number): React.CSSProperties {
  const d = Math.max(duration, 1e-9);
  return from / d < 0.5 ? { left: `${(from / d) * 100}%` } : { right: `${(1 - to / d) * 100}%` };
}
