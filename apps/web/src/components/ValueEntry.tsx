'use client';
import { useEffect, useRef, useState } from 'react';
import { formatParamValue, parseParamInput, type ParamDef } from '@mixroom/engine';

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
  const [invalid, setInvalid] = useState(false);
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
          setInvalid(false);
          setEditing(true);
        }}
      >
        {display}
      </button>
    );
  }

  const commit = () => {
    const parsed = parseParamInput(def, text);
    if (parsed === null) {
      setInvalid(true);
      return;
    }
    onCommit(parsed);
    setEditing(false);
  };

  return (
    <input
      ref={inputRef}
      className={`value-entry value-entry-input ${invalid ? 'invalid' : ''} ${className ?? ''}`}
      data-testid={`${testId}-input`}
      aria-label={`${label} value`}
      aria-invalid={invalid}
      value={text}
      autoFocus
      onChange={(e) => {
        setText(e.target.value);
        setInvalid(false);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        else if (e.key === 'Escape') setEditing(false);
      }}
      onBlur={() => setEditing(false)}
    />
  );
}
