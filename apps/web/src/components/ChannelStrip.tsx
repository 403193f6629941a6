'use client';
import { memo } from 'react';
import { CHANNEL_PARAMS, MASTER_PARAMS, paramKey, type ChannelState } from '@mixroom/engine';
import type { Presence } from '@mixroom/protocol';
import type { SessionRuntime, StemLoad } from '../lib/session-runtime';
import { slug } from '../lib/format';
import { Fader } from './Fader';
import { Meter } from './Meter';
import { PanControl } from './PanControl';
import { ValueEntry } from './ValueEntry';

export type HoldFn = (control: string | null) => void;

interface StripProps {
  channel: ChannelState;
  load: StemLoad | undefined;
  color: string;
  runtime: SessionRuntime;
  held: ReadonlyMap<string, Presence>;
  onHold: HoldFn;
}

export const ChannelStrip = memo(function ChannelStrip({ channel, load, color, runtime, held, onHold }: StripProps) {
  const { model } = runtime;
  const id = slug(channel.name);
  const gainKey = paramKey({ kind: 'channel', channelId: channel.id }, 'gain');
  const panKey = paramKey({ kind: 'channel', channelId: channel.id }, 'pan');
  const setGain = (v: number) => model.setChannelGain(channel.id, v);
  const setPan = (v: number) => model.setPan(channel.id, v);
  const failed = load?.status === 'error';
  const silencedBySolo = !channel.mute && !channel.audible;

  return (
    <div
      className={`strip ${channel.audible ? '' : 'inaudible'} ${failed ? 'failed' : ''}`}
      data-testid={`strip-${id}`}
      style={{ '--strip-color': color } as React.CSSProperties}
    >
      <div className="strip-name" title={channel.name}>
        {channel.name}
      </div>

      <div className="strip-section">
        <PanControl
          def={CHANNEL_PARAMS.pan}
          value={channel.pan}
          label={`${channel.name} pan`}
          testId={`pan-${id}`}
          onChange={setPan}
          onHold={(h) => onHold(h ? panKey : null)}
          heldBy={held.get(panKey)}
        />
        <ValueEntry def={CHANNEL_PARAMS.pan} value={channel.pan} onCommit={setPan} testId={`pan-value-${id}`} label={`${channel.name} pan`} className="small" />
      </div>

      <div className="strip-buttons">
        <button
          type="button"
          className={`btn-mute ${channel.mute ? 'on' : ''}`}
          aria-pressed={channel.mute}
          data-testid={`mute-${id}`}
          title="Mute"
          onClick={() => model.setMute(channel.id, !channel.mute)}
        >
          M
        </button>
        <button
          type="button"
          className={`btn-solo ${channel.solo ? 'on' : ''}`}
          aria-pressed={channel.solo}
          data-testid={`solo-${id}`}
          title="Solo (Alt-click: exclusive)"
          onClick={(e) => {
            if (e.altKey) {
              model.doc.transact(() => {
                model.clearSolo();
                model.setSolo(channel.id, !channel.solo);
              });
            } else model.setSolo(channel.id, !channel.solo);
          }}
        >
          S
        </button>
      </div>

      <div className="strip-fader-area">
        <Fader
          def={CHANNEL_PARAMS.gain}
          value={channel.gain}
          label={`${channel.name} fader`}
          testId={`fader-${id}`}
          onChange={setGain}
          onHold={(h) => onHold(h ? gainKey : null)}
          heldBy={held.get(gainKey)}
        />
        <Meter testId={`meter-${id}`} read={() => runtime.graph?.readChannelLevel(channel.id) ?? null} />
      </div>

      <ValueEntry def={CHANNEL_PARAMS.gain} value={channel.gain} onCommit={setGain} testId={`fader-value-${id}`} label={`${channel.name} fader`} />

      <div className="strip-status" data-testid={`strip-status-${id}`}>
        {failed ? (
          <span className="status-error" title={load?.error ?? ''}>
            NO AUDIO
          </span>
        ) : load && load.status !== 'ready' ? (
          <span className="status-loading">{load.status === 'decoding' ? 'decoding' : 'loading'}</span>
        ) : silencedBySolo ? (
          <span className="status-dim">solo-muted</span>
        ) : (
          <span className="status-ok">{channel.mute ? 'muted' : ''}</span>
        )}
      </div>
    </div>
  );
});

export function MasterStrip({
  gain,
  runtime,
  held,
  onHold,
}: {
  gain: number;
  runtime: SessionRuntime;
  held: ReadonlyMap<string, Presence>;
  onHold: HoldFn;
}) {
  const key = paramKey({ kind: 'master' }, 'gain');
  const setGain = (v: number) => runtime.model.setMasterGain(v);
  return (
    <div className="strip master" data-testid="strip-master">
      <div className="strip-name">Master</div>
      <div className="strip-section master-spacer">
        <span className="master-label">STEREO OUT</span>
      </div>
      <div className="strip-fader-area">
        <Fader
          def={MASTER_PARAMS.gain}
          value={gain}
          label="Master fader"
          testId="master-fader"
          onChange={setGain}
          onHold={(h) => onHold(h ? key : null)}
          heldBy={held.get(key)}
        />
        <Meter testId="master-meter" showScale read={() => runtime.graph?.readMasterLevel() ?? null} />
      </div>
      <ValueEntry def={MASTER_PARAMS.gain} value={gain} onCommit={setGain} testId="master-fader-value" label="Master fader" />
      <div className="strip-status" />
    </div>
  );
}
