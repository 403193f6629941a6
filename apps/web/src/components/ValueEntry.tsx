'use client';
import { useEffect, useId, useRef, useState } from 'react';
import { formatParamValue, type ParamDef } from '@mixroom/engine';
import { parseTypedValue } from '../lib/typed-value';

interface Props {
  def: ParamDef;
  value: number;
  onCommit: (value: number) => void;
  testId: string;
  label: string;
  className?: string;
}

/** The value readout under a control; click it to type an exact value ("-3.5", "-inf", "L30"). */
export function ValueEntry({ def, value, onCommit, testId, label, className }: Props) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  // Why the typed text was refused, in words (out of range, not a number…); null while it is fine.
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (editing) inputRef.current?.select();
  }, [editing]);

  const display = formatParamValue(def, value);

  if (!editing) {
    return (
      <button
        type="button"
        className={`value-entry ${className ?? ''}`}
        data-testid={testId}
        aria-label={`${label}: ${display}. Click to type a value`}
        title="Click to type a value"
        onClick={() => {
          setText(display.replace(/\s*dB$/, '').replace('-∞', '-inf'));
          setError(null);
          setEditing(true);
        }}
      >
        {display}
      </button>
    );
  }

  const commit = () => {
    const parsed = parseTypedValue(def, text);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    onCommit(parsed.value);
    setEditing(false);
  };

  return (
    <span className="value-entry-wrap">
    <input
      ref={inputRef}
      className={`value-entry value-entry-input ${error ? 'invalid' : ''} ${className ?? ''}`}
      data-testid={`${testId}-input`}
      aria-label={`${label} value`}
      aria-invalid={error !== null}
      aria-describedby={error ? errorId : undefined}
      title={def.unit === 'pan' ? 'L30, C, R50 — a bare number is percent right (negative: left)' : `${def.label}: ${formatParamValue(def, def.min)} to ${formatParamValue(def, def.max)}`}
      value={text}
      autoFocus
      onChange={(e) => {
        setText(e.target.value);
        setError(null);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        else if (e.key === 'Escape') setEditing(false);
      }}
      onBlur={() => setEditing(false)}
    />
    {error && (
      <span className="value-entry-error" role="alert" id={errorId} data-testid={`${testId}-error`}>
        {error}
      </span>
    )}
    </span>
  );
}
