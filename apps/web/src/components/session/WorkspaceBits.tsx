'use client';
import type { StemLoad } from '../../lib/session-runtime';

export type View = 'both' | 'arrange' | 'mixer';

const VIEWS: Array<{ id: View; label: string; title: string }> = [
  { id: 'arrange', label: 'Arrange', title: 'Track lanes only: waveforms and comments, resizable lanes' },
  { id: 'both', label: 'Both', title: 'Track lanes above the mixer' },
  { id: 'mixer', label: 'Mixer', title: 'Full-height mixer: every strip, fader and readout' },
];

/** Arrange view / mixer view, as in every DAW, plus both stacked. */
export function ViewSwitch({ view, onChange }: { view: View; onChange: (v: View) => void }) {
  return (
    <div className="view-switch" role="radiogroup" aria-label="View" data-testid="view-switch">
      {VIEWS.map((v) => (
        <button key={v.id} type="button" role="radio" aria-checked={view === v.id} data-testid={`view-${v.id}`} title={v.title} onClick={() => onChange(v.id)}>
          {v.label}
        </button>
      ))}
    </div>
  );
}

export function StemErrors({ stems }: { stems: readonly StemLoad[] }) {
  const failed = stems.filter((s) => s.status === 'error');
  if (failed.length === 0) return null;
  return (
    <div className="banner-error" role="alert" data-testid="stem-errors">
      <strong>{failed.length === 1 ? '1 stem could not be loaded' : `${failed.length} stems could not be loaded`}</strong>
      {failed.map((f) => (
        <span key={f.stem.id}>
          {f.stem.name}: {f.error}
        </span>
      ))}
      <span className="banner-hint">The other stems play normally.</span>
    </div>
  );
}
