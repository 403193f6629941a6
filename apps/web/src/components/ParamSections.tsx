'use client';
import { paramTableFor, type ParamDef, type ParamScope } from '@mixroom/engine';
import { ParamControl } from './ParamControl';

const SUFFIX_CAPTIONS: Record<string, string> = {
  on: 'On',
  freq: 'Freq',
  gain: 'Gain',
  q: 'Q',
  slope: 'Slope',
  level: 'Level',
  pre: 'Pre',
  threshold: 'Thresh',
};

/** Short caption inside a titled group: "Low mid gain" reads "Gain" under "Low mid". */
function caption(def: ParamDef): string | undefined {
  if (/^(eq\d|hpf|lpf|send\d)\./.test(def.id)) return SUFFIX_CAPTIONS[def.id.split('.')[1]];
  if (def.id.endsWith('.threshold')) return SUFFIX_CAPTIONS.threshold;
  if (def.id.endsWith('.on') && def.section !== 'eq') return 'On';
  return undefined;
}

/** The parameters of one section, in table order. */
export function sectionParams(scope: ParamScope, section: string): ParamDef[] {
  return Object.values(paramTableFor(scope)).filter((d) => d.section === section);
}

export const SECTION_TITLES: Record<string, string> = {
  input: 'Input',
  hpf: 'High-pass',
  lpf: 'Low-pass',
  eq: 'EQ',
  eq1: 'Low shelf',
  eq2: 'Low mid',
  eq3: 'High mid',
  eq4: 'High shelf',
  comp: 'Compressor',
  pan: 'Pan',
  glue: 'Glue compressor',
  limiter: 'True-peak limiter',
  send1: 'Reverb send',
  send2: 'Delay send',
  reverb: 'Reverb',
  delay: 'Delay',
  return: 'Return',
  output: 'Output',
  session: 'Session',
};

interface Props {
  scope: ParamScope;
  section: string;
  params: Record<string, number>;
  owner: string;
  /** Parameters drawn elsewhere (e.g. the fader on the strip). */
  skip?: readonly string[];
  /** Parameters shown but inactive (e.g. delay time while tempo-synced). */
  disabled?: readonly string[];
  children?: React.ReactNode;
}

/** A titled group of controls for every parameter of one section of the table. */
export function ParamSection({ scope, section, params, owner, skip = [], disabled = [], children }: Props) {
  const defs = sectionParams(scope, section).filter((d) => !skip.includes(d.id));
  if (defs.length === 0 && !children) return null;
  const onId = defs.find((d) => d.taper === 'toggle' && d.id.endsWith('.on'));
  const bypassed = onId ? params[onId.id] < 0.5 : false;
  return (
    <fieldset className={`param-section ${bypassed ? 'bypassed' : ''}`} data-section={section}>
      <legend>{SECTION_TITLES[section] ?? section}</legend>
      <div className="param-row">
        {defs.map((d) => (
          <ParamControl key={d.id} scope={scope} paramId={d.id} value={params[d.id]} owner={owner} caption={caption(d)} disabled={disabled.includes(d.id)} />
        ))}
        {children}
      </div>
    </fieldset>
  );
}
