'use client';
import { memo } from 'react';
import { formatParamValue, paramDefFor, paramKey, type ParamScope } from '@mixroom/engine';
import { Knob } from './Knob';
import { scopeName, useMix } from './mix-context';
import { ValueEntry } from './ValueEntry';
import { useAutomatedValue } from './use-automated-value';

interface Props {
  scope: ParamScope;
  paramId: string;
  value: number;
  /** Display name of the scope for labels and test ids ("Bass", "Reverb", "Master"). */
  owner: string;
  /** Shorter caption than the table's label (e.g. "Gain" inside the "Low mid" group). */
  caption?: string;
  disabled?: boolean;
  /** Test-id prefix: 'strip' for the copies on a compact strip that the detail panel also shows. */
  testPrefix?: string;
}

/**
 * One parameter from the engine's table, as the control its taper calls for: a knob with a
 * typeable readout for continuous values, a toggle button for on/off, a menu for choices.
 * Range, default, step, format and parsing all come from the table.
 */
export const ParamControl = memo(function ParamControl({ scope, paramId, value: staticValue, owner, caption, disabled, testPrefix = 'param' }: Props) {
  const { runtime, held, onHold } = useMix();
  const key = paramKey(scope, paramId);
  // In Read an automated control moves with its lane.
  const value = useAutomatedValue(runtime, key, staticValue);
  const def = paramDefFor(scope, paramId);
  if (!def) return null;
  const testId = `${testPrefix}-${scopeName(scope, owner)}-${paramId}`;
  const label = `${owner} ${def.label}`;
  const set = (v: number) => runtime.model.setParam(scope, paramId, v);
  const heldBy = held.get(key);

  if (def.taper === 'toggle') {
    const on = value >= 0.5;
    return (
      <button
        type="button"
        className={`param-toggle ${on ? 'on' : ''}`}
        aria-pressed={on}
        aria-label={label}
        data-testid={testId}
        title={`${label}: ${formatParamValue(def, value)}`}
        onClick={() => set(on ? 0 : 1)}
      >
        {caption ?? def.label}
      </button>
    );
  }

  if (def.taper === 'choice') {
    return (
      <label className="param-choice">
        <span className="param-caption">{caption ?? def.label}</span>
        <select
          aria-label={label}
          data-testid={testId}
          value={Math.round(value)}
          disabled={disabled}
          onChange={(e) => set(Number(e.target.value))}
        >
          {(def.choices ?? []).map((c, i) => (
            <option key={c} value={def.min + i}>
              {c}
            </option>
          ))}
        </select>
      </label>
    );
  }

  return (
    <div className={`param-knob ${disabled ? 'disabled' : ''}`}>
      <span className="param-caption" title={def.label}>
        {caption ?? def.label}
      </span>
      <Knob def={def} value={value} label={label} testId={testId} onChange={set} onHold={(h) => onHold(key, h)} heldBy={heldBy} disabled={disabled} />
      <ValueEntry def={def} value={value} onCommit={set} testId={`${testId}-value`} label={label} className="small" />
    </div>
  );
});
