'use client';
import { useRef } from 'react';
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

  const jumpTo = (ch: ChannelState) => {
    const strip = stripsRef.current?.querySelector<HTMLElement>(`[data-testid="strip-${CSS.escape(slug(ch.name))}"]`);
    strip?.scrollIntoView({ block: 'nearest', inline: 'center' });
    strip?.querySelector<HTMLElement>('.fader')?.focus({ preventScroll: true });
  };

  return (
    <MeterBoardHost
      clipSelector=".console-strips, .console-row"
      className={`console ${readOnly ? 'read-only' : ''} ${snap.recalled ? 'recalled' : ''} ${wide ? 'wide' : 'narrow'}`}
      aria-label={snap.recalled ? `Mixer showing ${snap.recalled.label} (recalled, read-only)` : 'Mixer'}
      data-read-only={readOnly}
      data-recalled={!!snap.recalled}
    >
      <div className="console-bar">
        <ChannelNavigator channels={channels} colorOf={colorOf} runtime={runtime} onJump={jumpTo} />
        <button type="button" className="link-button" aria-pressed={wide} data-testid="strip-width" onClick={() => setWide(!wide)} title="Narrow strips fit more channels; wide strips show the fader scale">
          {wide ? 'Narrow strips' : 'Wide strips'}
        </button>
      </div>
      <div className="console-row" inert={readOnly}>
        <div className="console-strips" ref={stripsRef} data-testid="console-strips">
          {channels.map((ch) => (
            <ChannelStrip
              key={ch.id}
              channel={ch}
              load={loads.get(ch.stemId)}
              color={colorOf.get(ch.stemId) ?? '#888'}
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
          {/* Stays mounted while collapsed: the live meter keeps integrating. */}
          <LoudnessPanel runtime={runtime} targetId={snap.mix.deliveryTarget} readOnly={readOnly} />
        </div>
      </div>
    </MeterBoardHost>
  );
}
