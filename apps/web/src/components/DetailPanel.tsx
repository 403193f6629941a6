'use client';
import type { MixState, ParamScope } from '@mixroom/engine';
import { EqCurve } from './EqCurve';
import { GrMeter } from './GrMeter';
import { scopeName, useMix } from './mix-context';
import { ParamSection } from './ParamSections';

export type Selection = ParamScope | null;

const EQ_BANDS = ['eq1', 'eq2', 'eq3', 'eq4'];
/** Controls the strip itself shows. */
const STRIP_ONLY = ['pan'];

/**
 * The "inserts" of the selected channel, FX return or the master: every processor of its
 * parameter table that the compact strip does not show, in signal order, with the EQ curve
 * and gain-reduction meters. One panel for the whole console keeps 16 strips on a laptop screen.
 */
export function DetailPanel({ selection, mix, onClose }: { selection: Selection; mix: MixState; onClose: () => void }) {
  const { runtime } = useMix();
  if (!selection) {
    return (
      <section className="detail-panel empty" data-testid="detail-panel" aria-label="Channel detail">
        Click a strip&apos;s name to open its EQ, dynamics and sends.
      </section>
    );
  }
  let title: string;
  let params: Record<string, number>;
  let sections: string[];
  let extra: React.ReactNode = null;
  let disabled: string[] = [];
  if (selection.kind === 'channel') {
    const ch = mix.channels.find((c) => c.id === selection.channelId);
    if (!ch) return null;
    title = ch.name;
    params = ch.params;
    // The strip shows the sends too; here they sit at their place in the signal flow. The pan
    // knob is on the strip; its law (stereo pan or balance, for stereo stems) is here.
    sections = ['input', 'hpf', 'lpf', 'eq', ...EQ_BANDS, 'comp', 'pan', 'send1', 'send2'];
    extra = <GrMeter testId={`gr-${scopeName(selection, ch.name)}`} label={`${ch.name} compressor`} read={() => runtime.graph?.readGainReduction(ch.id) ?? 0} />;
  } else if (selection.kind === 'fx') {
    title = selection.bus === 'reverb' ? 'Reverb return' : 'Delay return';
    params = mix.fx[selection.bus].params;
    sections = [selection.bus, 'eq', ...EQ_BANDS];
    if (selection.bus === 'delay' && params['delay.sync'] > 0) disabled = ['delay.time'];
  } else {
    title = 'Master';
    params = mix.master.params;
    sections = ['eq', ...EQ_BANDS, 'glue', 'limiter', 'session'];
  }
  const owner = selection.kind === 'channel' ? title : selection.kind === 'fx' ? (selection.bus === 'reverb' ? 'Reverb' : 'Delay') : 'Master';
  const name = scopeName(selection, owner);

  return (
    <section className="detail-panel" data-testid="detail-panel" data-scope={name} aria-label={`${title} detail`}>
      <header className="detail-head">
        <h2>{title}</h2>
        <EqCurve params={params} testId={`eq-curve-${name}`} />
        <button type="button" className="detail-close" aria-label="Close detail" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="detail-sections">
        {sections.map((s) => (
          <ParamSection key={s} scope={selection} section={s} params={params} owner={owner} disabled={disabled} skip={STRIP_ONLY}>
            {s === 'comp' && extra}
            {s === 'glue' && <GrMeter testId="gr-master-glue" label="Glue compressor" read={() => runtime.graph?.readMasterGainReduction().glue ?? 0} />}
            {s === 'limiter' && <GrMeter testId="gr-master-limiter" label="Limiter" read={() => runtime.graph?.readMasterGainReduction().limiter ?? 0} />}
          </ParamSection>
        ))}
      </div>
    </section>
  );
}
