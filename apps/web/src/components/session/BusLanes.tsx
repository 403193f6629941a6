'use client';
import { paramDefFor, paramKey, type ParamScope } from '@mixroom/engine';
import type { SessionRuntime } from '../../lib/session-runtime';
import { slug } from '../../lib/format';
import { AutomationHeads, CurveOverlay } from './AutomationLanes';
import { AutomationLaneEditor } from './AutomationLaneEditor';
import { baseLanes } from './AutomationLaneMenu';
import type { LaneTools } from './AutomationToolbar';

/** The strips below the tracks that carry lanes too: the FX returns and the master. */
export const BUS_STRIPS: ReadonlyArray<{ scope: ParamScope; name: string }> = [
  { scope: { kind: 'fx', bus: 'reverb' }, name: 'Reverb return' },
  { scope: { kind: 'fx', bus: 'delay' }, name: 'Delay return' },
  { scope: { kind: 'master' }, name: 'Master' },
];

/** The key a strip's open/added lanes are remembered under: a channel's id, "fx:reverb", "master". */
export function stripKey(scope: ParamScope): string {
  if (scope.kind === 'channel') return scope.channelId;
  return scope.kind === 'fx' ? `fx:${scope.bus}` : 'master';
}

/** How ArrangeView's lane state reaches a strip. */
export interface StripLanes {
  isOpen(scope: ParamScope): boolean;
  toggle(scope: ParamScope): void;
  lanesOf(scope: ParamScope): string[];
  add(scope: ParamScope, paramId: string): void;
  remove(scope: ParamScope, paramId: string): void;
}

/** Heads of the return and master rows: name and the automation toggle, then their open lanes. */
export function BusLaneHeads({ runtime, lanes }: { runtime: SessionRuntime; lanes: StripLanes }) {
  return (
    <>
      {BUS_STRIPS.map(({ scope, name }) => {
        const open = lanes.isOpen(scope);
        return (
          <div key={name}>
            <div className="lane-head bus-head" data-testid={`bus-head-${slug(name)}`}>
              <span className="lane-name">{name}</span>
              <button
                type="button"
                className={`lane-auto ${open ? 'on' : ''}`}
                title={open ? 'Fold automation lanes' : `Automation: ${scope.kind === 'fx' ? 'return level (+ lane: mute)' : 'master fader'}`}
                aria-label={`${open ? 'Fold' : 'Show'} ${name} automation`}
                aria-expanded={open}
                data-testid={`auto-toggle-${slug(name)}`}
                onClick={() => lanes.toggle(scope)}
              >
                A
              </button>
            </div>
            {open && (
              <AutomationHeads
                runtime={runtime}
                scope={scope}
                name={name}
                lanes={lanes.lanesOf(scope)}
                onAdd={(id) => lanes.add(scope, id)}
                onRemove={(id) => lanes.remove(scope, id)}
              />
            )}
          </div>
        );
      })}
    </>
  );
}

/** The return and master rows on the timeline: the fader's curve, and the open lanes to edit. */
export function BusLaneTracks({ runtime, lanes, duration, tools }: { runtime: SessionRuntime; lanes: StripLanes; duration: number; tools: LaneTools }) {
  return (
    <>
      {BUS_STRIPS.map(({ scope, name }) => {
        const fader = baseLanes(scope)[0];
        return (
          <div key={name}>
            <div className="lane bus-lane">
              <CurveOverlay points={runtime.model.automation.points(paramKey(scope, fader))} duration={duration} def={paramDefFor(scope, fader)} testId={`auto-curve-${slug(name)}`} />
            </div>
            {lanes.isOpen(scope) &&
              lanes.lanesOf(scope).map((id) => <AutomationLaneEditor key={id} runtime={runtime} scope={scope} paramId={id} name={name} duration={duration} tools={tools} />)}
          </div>
        );
      })}
    </>
  );
}
