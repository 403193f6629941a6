'use client';
import { useState } from 'react';
import { PRESENCE_COLORS, type Identity } from '../lib/identity';

/** Asked once per browser: the name and colour the others see on avatars and held controls. */
export function IdentityDialog({ initial, onDone }: { initial: Identity; onDone: (identity: Identity) => void }) {
  const [name, setName] = useState(initial.name);
  const [color, setColor] = useState(initial.color);
  const clean = name.trim().slice(0, 60);
  return (
    <div className="dialog-backdrop">
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="identity-title"
        data-testid="identity-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (clean) onDone({ name: clean, color });
        }}
      >
        <h2 id="identity-title">Who&apos;s mixing?</h2>
        <p>Your name and colour show up for everyone in this session.</p>
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={60} autoFocus data-testid="identity-name" />
        </label>
        <div className="swatches" role="radiogroup" aria-label="Colour">
          {PRESENCE_COLORS.map((c) => (
            <button
              key={c}
              type="button"
              role="radio"
              aria-checked={c === color}
              aria-label={c}
              className={`swatch ${c === color ? 'on' : ''}`}
              style={{ background: c }}
              onClick={() => setColor(c)}
            />
          ))}
        </div>
        <button type="submit" className="btn-primary" disabled={!clean} data-testid="identity-save">
          Join the session
        </button>
      </form>
    </div>
  );
}
