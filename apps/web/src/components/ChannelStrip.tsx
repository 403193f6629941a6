'use client';
import { memo } from 'react';
import { CHANNEL_PARAMS, FX_PARAMS, MASTER_PARAMS, paramKey, type ChannelState, type FxBus, type FxParamId, type MixState, type ParamDef, type ParamScope } from '@mixroom/engine';
import type { Presence } from '@mixroom/protocol';
import type { SessionRuntime, StemLoad } from '../lib/session-runtime';
import { slug } from '../lib/format';
import { Fader } from './Fader';
import { Meter } from './Meter';
import { PanControl } from './PanControl';
import { ValueEntry } from './ValueEntry';
import { EqCurve } from './EqCurve';
import { GrMeter } from './GrMeter';
import { ParamControl } from './ParamControl';
import { useAutomatedValue } from './use-automated-value';
import type { HoldFn } from './mix-context';
import { StripTop, type StripArrange } from './session/StripTop';

export type { HoldFn } from './mix-context';

/** The strip's name doubles as the button that opens its inserts in the detail panel. */
function StripHead({ name, testId, selected, onSelect, params }: { name: string; testId: string; selected: boolean; onSelect: () => void; params: Record<string, number> }) {
  return (
    <button type="button" className={`strip-name ${selected ? 'selected' : ''}`} title={`${name}: open EQ, dynamics and sends`} aria-pressed={selected} data-testid={`select-${testId}`} onClick={onSelect}>
      <span className="strip-name-text">{name}</span>
      <EqCurve params={params} testId={`eq-mini-${testId}`} compact />
    </button>
  );
}

/** A strip's fader, its meter beside it and the typeable value under it: one held key. */
function StripFader({ def, value, label, testId, valueTestId, onChange, holdKey, held, onHold, meter }: {
  def: ParamDef;
  value: number;
  label: string;
  testId: string;
  valueTestId: string;
  onChange: (v: number) => void;
  holdKey: string;
  held: ReadonlyMap<string, Presence>;
  onHold: HoldFn;
  meter?: React.ReactNode;
}) {
  return (
    <>
      <div className="strip-fader-area">
        <Fader def={def} value={value} label={label} testId={testId} onChange={onChange} onHold={(h) => onHold(holdKey, h)} heldBy={held.get(holdKey)} />
        {meter}
      </div>
      <ValueEntry def={def} value={value} onCommit={onChange} testId={valueTestId} label={label} />
    </>
  );
}

/**
 * A fixed box for the strip's status word: the word changing (48 strips going from "loading" to
 * ready while a session opens) lays out this box alone. Changed in the strip itself (a flex item,
 * which can never be laid out apart from its flex container), it laid out the whole console.
 */
function StatusBox({ empty, children }: { empty: boolean; children: React.ReactNode }) {
  // No word, no height: a short console squeezes an empty status first, as it always has.
  return <div className={`strip-status-box ${empty ? 'empty' : ''}`}>{children}</div>;
}

function MuteButton({ muted, testId, title, label, onToggle }: { muted: boolean; testId: string; title: string; label: string; onToggle: () => void }) {
  return (
    <button type="button" className={`btn-mute ${muted ? 'on' : ''}`} aria-pressed={muted} aria-label={label} data-testid={testId} title={title} onClick={onToggle}>
      M
    </button>
  );
}

/** What every strip on the console gets: the session, who holds which control, and selection. */
interface ConsoleStripProps {
  runtime: SessionRuntime;
  held: ReadonlyMap<string, Presence>;
  onHold: HoldFn;
  selected: boolean;
  onSelect: (scope: ParamScope) => void;
}

interface StripProps extends ConsoleStripProps {
  channel: ChannelState;
  load: StemLoad | undefined;
  color: string;
  /** Moving and colouring (null for a read-only console). */
  arrange?: StripArrange | null;
}

export const ChannelStrip = memo(function ChannelStrip({ channel, load, color, arrange = null, runtime, held, onHold, selected, onSelect }: StripProps) {
  const { model } = runtime;
  const id = slug(channel.name);
  const gainKey = paramKey({ kind: 'channel', channelId: channel.id }, 'gain');
  const panKey = paramKey({ kind: 'channel', channelId: channel.id }, 'pan');
  const setGain = (v: number) => model.setChannelGain(channel.id, v);
  const setPan = (v: number) => model.setPan(channel.id, v);
  // In Read the fader, pan and mute move with their lanes.
  const gain = useAutomatedValue(runtime, gainKey, channel.gain);
  const pan = useAutomatedValue(runtime, panKey, channel.pan);
  const muted = useAutomatedValue(runtime, paramKey({ kind: 'channel', channelId: channel.id }, 'mute'), channel.mute ? 1 : 0) >= 0.5;
  const failed = load?.status === 'error';
  const silencedBySolo = !channel.mute && !channel.audible;

  return (
    <div
      className={`strip ${channel.audible ? '' : 'inaudible'} ${failed ? 'failed' : ''}`}
      data-testid={`strip-${id}`}
      data-channel-id={channel.id}
      style={{ '--strip-color': color } as React.CSSProperties}
    >
      <StripTop name={channel.name} testId={id} arrange={arrange} />
      <StripHead name={channel.name} testId={id} selected={selected} onSelect={() => onSelect({ kind: 'channel', channelId: channel.id })} params={channel.params} />
      <GrMeter testId={`gr-mini-${id}`} label={`${channel.name} compressor`} read={() => runtime.graph?.readGainReduction(channel.id) ?? 0} />
      <div className="strip-sends">
        {(['send1', 'send2'] as const).map((s) => (
          <div key={s} className="strip-send">
            <ParamControl scope={{ kind: 'channel', channelId: channel.id }} paramId={`${s}.level`} value={channel.params[`${s}.level`]} owner={channel.name} caption={s === 'send1' ? 'Rev' : 'Dly'} testPrefix="strip" />
            <ParamControl scope={{ kind: 'channel', channelId: channel.id }} paramId={`${s}.pre`} value={channel.params[`${s}.pre`]} owner={channel.name} caption="Pre" testPrefix="strip" />
          </div>
        ))}
      </div>

      <div className="strip-section">
        <PanControl
          def={CHANNEL_PARAMS.pan}
          value={pan}
          label={`${channel.name} pan`}
          testId={`pan-${id}`}
          onChange={setPan}
          onHold={(h) => onHold(panKey, h)}
          heldBy={held.get(panKey)}
        />
        <ValueEntry def={CHANNEL_PARAMS.pan} value={pan} onCommit={setPan} testId={`pan-value-${id}`} label={`${channel.name} pan`} className="small" />
      </div>

      <div className="strip-buttons">
        <MuteButton muted={muted} testId={`mute-${id}`} title="Mute" label={`Mute ${channel.name}`} onToggle={() => model.setMute(channel.id, !muted)} />
        <button
          type="button"
          className={`btn-solo ${channel.solo ? 'on' : ''}`}
          aria-pressed={channel.solo}
          data-testid={`solo-${id}`}
          aria-label={`Solo ${channel.name}`}
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

      <StripFader
        def={CHANNEL_PARAMS.gain}
        value={gain}
        label={`${channel.name} fader`}
        testId={`fader-${id}`}
        valueTestId={`fader-value-${id}`}
        onChange={setGain}
        holdKey={gainKey}
        held={held}
        onHold={onHold}
        meter={<Meter testId={`meter-${id}`} read={() => runtime.graph?.readChannelLevel(channel.id) ?? null} />}
      />

      <div className="strip-status" data-testid={`strip-status-${id}`}>
        <StatusBox empty={!failed && !(load && load.status !== 'ready') && !silencedBySolo && !muted}>
        {failed ? (
          <span className="status-error" title={load?.error ?? ''}>
            NO AUDIO
          </span>
        ) : load && load.status !== 'ready' ? (
          <span className="status-loading">{load.status === 'decoding' ? 'decoding' : 'loading'}</span>
        ) : silencedBySolo ? (
          <span className="status-dim">solo-muted</span>
        ) : (
          <span className="status-ok">{muted ? 'muted' : ''}</span>
        )}
        </StatusBox>
      </div>
    </div>
  );
});

export function MasterStrip({
  mix,
  runtime,
  held,
  onHold,
  selected,
  onSelect,
}: ConsoleStripProps & { mix: MixState }) {
  const p = mix.master.params;
  const key = paramKey({ kind: 'master' }, 'gain');
  // In Read the fader shows its lane at the playhead, as a channel's does.
  const gain = useAutomatedValue(runtime, key, mix.master.gain);
  const setGain = (v: number) => runtime.model.setMasterGain(v);
  return (
    <div className="strip master" data-testid="strip-master">
      <div className="strip-top" aria-hidden />
      <StripHead name="Master" testId="master" selected={selected} onSelect={() => onSelect({ kind: 'master' })} params={p} />
      <GrMeter testId="gr-mini-master-glue" label="Glue compressor" read={() => runtime.graph?.readMasterGainReduction().glue ?? 0} />
      <GrMeter testId="gr-mini-master-limiter" label="Limiter" read={() => runtime.graph?.readMasterGainReduction().limiter ?? 0} />
      <div className="strip-sends">
        <ParamControl scope={{ kind: 'master' }} paramId="limiter.ceiling" value={p['limiter.ceiling']} owner="Master" caption="Ceiling" testPrefix="strip" />
        <ParamControl scope={{ kind: 'master' }} paramId="limiter.on" value={p['limiter.on']} owner="Master" caption="Limit" testPrefix="strip" />
      </div>
      <StripFader
        def={MASTER_PARAMS.gain}
        value={gain}
        label="Master fader"
        testId="master-fader"
        valueTestId="master-fader-value"
        onChange={setGain}
        holdKey={key}
        held={held}
        onHold={onHold}
        meter={<Meter testId="master-meter" showScale read={() => runtime.graph?.readMasterLevel() ?? null} />}
      />
      <div className="strip-status" />
    </div>
  );
}

/** An FX return on the console: its main controls, EQ curve, return fader and mute. */
export const FxReturnStrip = memo(function FxReturnStrip({
  bus,
  mix,
  runtime,
  held,
  onHold,
  selected,
  onSelect,
}: ConsoleStripProps & { bus: FxBus; mix: MixState }) {
  const scope = { kind: 'fx', bus } as const;
  const p = mix.fx[bus].params;
  const name = bus === 'reverb' ? 'Reverb' : 'Delay';
  const gainDef = FX_PARAMS[bus]['return.gain'];
  const key = paramKey(scope, 'return.gain');
  const setGain = (v: number) => runtime.model.setFxParam(bus, 'return.gain', v);
  const muted = useAutomatedValue(runtime, paramKey(scope, 'return.mute'), p['return.mute']) >= 0.5;
  const gain = useAutomatedValue(runtime, key, p['return.gain']);
  const main: FxParamId[] = bus === 'reverb' ? ['reverb.decay', 'reverb.predelay'] : [p['delay.sync'] > 0 ? 'delay.sync' : 'delay.time', 'delay.feedback'];
  return (
    <div className={`strip fx ${muted ? 'inaudible' : ''}`} data-testid={`strip-${bus}`}>
      <div className="strip-top" aria-hidden />
      <StripHead name={name} testId={bus} selected={selected} onSelect={() => onSelect(scope)} params={p} />
      <div className="strip-sends">
        {main.map((id) => (
          <ParamControl key={id} scope={scope} paramId={id} value={p[id]} owner={name} testPrefix="strip" />
        ))}
      </div>
      <div className="strip-buttons">
        <MuteButton muted={muted} testId={`mute-${bus}`} title="Mute return" label={`Mute ${name} return`} onToggle={() => runtime.model.setFxParam(bus, 'return.mute', !muted)} />
      </div>
      <StripFader def={gainDef} value={gain} label={`${name} return fader`} testId={`fader-${bus}`} valueTestId={`fader-value-${bus}`} onChange={setGain} holdKey={key} held={held} onHold={onHold} />
      <div className="strip-status" />
    </div>
  );
});
