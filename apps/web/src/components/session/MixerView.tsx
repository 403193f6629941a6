'use client';
import { useCallback, useMemo, useRef } from 'react';
import type { ChannelState, ParamScope } from '@mixroom/engine';
import type { Presence } from '@mixroom/protocol';
import { slug } from '../../lib/format';
import type { RuntimeSnapshot, SessionRuntime, StemLoad } from '../../lib/session-runtime';
import { ChannelStrip, FxReturnStrip, MasterStrip } from '../ChannelStrip';
import { MeterBoardHost } from '../MeterBoardHost';
import { LoudnessPanel } from '../LoudnessPanel';
import type { HoldFn } from '../mix-context';
import { ChannelNavigator } from './ChannelNavigator';
import { usePersistentState } from './panes';
import type { StripArrange } from './StripTop';
import { useReorderDrag } from './use-reorder-drag';
import { useSliceReveal } from '../use-slice-reveal';
import { LIST_SLICES } from '../../lib/slice-reveal';

/**
 * The console: a navigator over every channel, the channel strips (they scroll sideways on
 * their own), the FX returns and the master (always in view), and the loudness pane, which
 * collapses to a rail so that it never takes the strips' room unless asked to.
 */
export function MixerView({ snap, runtime, channels, loads, colorOf, held, onHold, readOnly, isSelected, onSelect }: {
  snap: RuntimeSnapshot;
  runtime: SessionRuntime;
  /** In display order. */
  channels: readonly ChannelState[];
  loads: ReadonlyMap<string, StemLoad>;
  colorOf: ReadonlyMap<string, string>;
  held: ReadonlyMap<string, Presence>;
  onHold: HoldFn;
  readOnly: boolean;
  isSelected: (scope: ParamScope) => boolean;
  onSelect: (scope: ParamScope) => void;
}) {
  const stripsRef = useRef<HTMLDivElement>(null);
  const [wide, setWide] = usePersistentState<boolean>('mixroom.wideStrips', false);
  // Open by default only where it fits beside a dozen strips.
  const [loudnessOpen, setLoudnessOpen] = usePersistentState<boolean>('mixroom.loudnessOpen', () => typeof window !== 'undefined' && window.innerWidth >= 1700);

  // Moves and colours go into the shared mix document: everyone's console follows.
  const model = runtime.model;
  const move = useCallback((id: string, to: number) => model.moveChannel(id, channels.map((c) => c.id), to), [model, channels]);
  // The drop index counts the other strips, which is the index moveChannel expects.
  const onStripGrip = useReorderDrag(stripsRef, ':scope > .strip', move);
  const arrange = useMemo(() => {
    const m = new Map<string, StripArrange>();
    if (readOnly) return m;
    channels.forEach((ch, index) =>
      m.set(ch.id, {
        index,
        count: channels.length,
        color: ch.color,
        move: (to) => move(ch.id, to),
        setColor: (color) => model.setChannelColor(ch.id, color),
        onGripDown: (e) => onStripGrip(e, ch.id),
      }),
    );
    return m;
  }, [channels, readOnly, move, model, onStripGrip]);

  // A real session's 48 strips mount a slice per frame: at once they were one task of 150–190 ms.
  const mounted = useSliceReveal(channels.length, LIST_SLICES.first, LIST_SLICES.step);

  const jumpTo = (ch: ChannelState) => {
    const strip = stripsRef.current?.querySelector<HTMLElement>(`[data-testid="strip-${CSS.escape(slug(ch.name))}"]`);
    strip?.scrollIntoView({ block: 'nearest', inline: 'center' });
    strip?.querySelector<HTMLElement>('.fader')?.focus({ preventScroll: true });
  };

  return (
    <MeterBoardHost
      clipSelector=".console-strips, .console-row, .channel-nav"
      className={`console ${readOnly ? 'read-only' : ''} ${snap.recalled ? 'recalled' : ''} ${wide ? 'wide' : 'narrow'}`}
      aria-label={snap.recalled ? `Mixer showing ${snap.recalled.label} (recalled, read-only)` : 'Mixer'}
      data-read-only={readOnly}
      data-recalled={!!snap.recalled}
    >
      <div className="console-bar">
        <ChannelNavigator channels={channels} colorOf={colorOf} runtime={runtime} onJump={jumpTo} onMove={readOnly ? undefined : move} />
        <button type="button" className="link-button" aria-pressed={wide} data-testid="strip-width" onClick={() => setWide(!wide)} title="Narrow strips fit more channels; wide strips show the fader scale">
          {wide ? 'Narrow strips' : 'Wide strips'}
        </button>
      </div>
      <div className="console-row" inert={readOnly}>
        <div className="console-strips" ref={stripsRef} data-testid="console-strips">
          {channels.slice(0, mounted).map((ch) => (
            <ChannelStrip
              key={ch.id}
              channel={ch}
              load={loads.get(ch.stemId)}
              color={colorOf.get(ch.stemId) ?? '#888'}
              arrange={arrange.get(ch.id) ?? null}
              runtime={runtime}
              held={held}
              onHold={onHold}
              selected={isSelected({ kind: 'channel', channelId: ch.id })}
              onSelect={onSelect}
            />
          ))}
          {snap.synced && channels.length === 0 && <div className="console-empty">This session has no channels yet.</div>}
          {!snap.synced && channels.length === 0 && <div className="console-empty">Connecting to the mix…</div>}
        </div>
        <div className="console-returns">
          {(['reverb', 'delay'] as const).map((bus) => (
            <FxReturnStrip key={bus} bus={bus} mix={snap.mix} runtime={runtime} held={held} onHold={onHold} selected={isSelected({ kind: 'fx', bus })} onSelect={onSelect} />
          ))}
        </div>
        <MasterStrip mix={snap.mix} runtime={runtime} held={held} onHold={onHold} selected={isSelected({ kind: 'master' })} onSelect={onSelect} />
        <div className={`loudness-pane ${loudnessOpen ? 'open' : 'collapsed'}`} data-testid="loudness-pane">
          <button
            type="button"
            className="pane-toggle"
            aria-expanded={loudnessOpen}
            data-testid="loudness-toggle"
            title={loudnessOpen ? 'Collapse the loudness pane to see more channels' : 'Show loudness, delivery target and platform preview'}
            onClick={() => setLoudnessOpen(!loudnessOpen)}
          >
            {loudnessOpen ? 'Loudness ▸' : '◂ Loudness'}
          </button>
          {/* Stays mounted while collapsed (the meter keeps integrating in the runtime), without following it. */}
          <LoudnessPanel runtime={runtime} targetId={snap.mix.deliveryTarget} readOnly={readOnly} live={loudnessOpen} />
        </div>
      </div>
    </MeterBoardHost>
  );
}
