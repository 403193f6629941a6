'use client';
// The live mix in the version player: add or drop it as a side, its switch button (level trim and
// when it was rendered), the render's progress, and a re-render when the mix has changed since.
import type { LiveSide } from './use-live-side';

const clock = (d: Date) => d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function LiveMixControls({ side, on, letter, heard, trimDb, canRender, onToggle, onHear }: {
  side: LiveSide;
  on: boolean;
  /** The switch letter the live mix gets (after the versions and the reference). */
  letter: string;
  heard: boolean;
  trimDb: number;
  canRender: boolean;
  onToggle: (on: boolean) => void;
  onHear: () => void;
}) {
  const { render, progress, error, stale } = side;
  return (
    <>
      {render && (
        <button
          type="button" aria-pressed={heard} onClick={onHear} data-testid={`ab-${letter.toLowerCase()}`} data-live="true" data-trim-db={trimDb.toFixed(2)}
          title={`The live mix as rendered at ${clock(render.renderedAt)}: ${render.integrated.toFixed(1)} LUFS, ${render.truePeak.toFixed(1)} dBTP`}
        >
          {letter}: Live mix ({trimDb.toFixed(1)} dB)
        </button>
      )}
      {/* An action, not a state: the side's own button above shows whether it is heard. */}
      <button
        type="button" data-testid="deck-live" data-on={on} disabled={!on && !canRender} onClick={() => onToggle(!on)}
        title={on ? 'Stop comparing with the live mix' : 'Render the live mix here and add it as a side, sample-aligned and level-matched'}
      >
        {on ? 'Remove live mix' : '+ Live mix'}
      </button>
      {progress !== null && <span className="muted" data-testid="deck-live-busy">Rendering the live mix… {Math.round(progress * 100)} %</span>}
      {render && stale && progress === null && (
        <span className="muted" data-testid="deck-live-stale">
          The mix changed after {clock(render.renderedAt)}{' '}
          <button type="button" onClick={side.rerender} data-testid="deck-live-rerender">Render again</button>
        </span>
      )}
      {error && <span className="error-text" role="alert">{error}</span>}
    </>
  );
}
