'use client';
import { AUTOMATED_CHANNEL_PARAMS, CHANNEL_PARAMS, type ParamDef } from '@mixroom/engine';
import type { SessionRuntime } from '../../lib/session-runtime';
import { slug } from '../../lib/format';
import { SECTION_TITLES } from '../ParamSections';

/** The lanes a track opens with: volume and pan, one click away. */
export const BASE_LANES = ['gain', 'pan'] as const;

const BASE_LABELS: Record<string, string> = { gain: 'Volume', pan: 'Pan' };

function defOf(paramId: string): ParamDef | undefined {
  return (CHANNEL_PARAMS as Record<string, ParamDef>)[paramId];
}

/** A lane's name in its head: "Volume", "Low mid gain", "Compressor threshold". */
export function laneLabel(paramId: string): string {
  const def = defOf(paramId);
  if (BASE_LABELS[paramId]) return BASE_LABELS[paramId];
  if (!def) return paramId;
  return def.section === 'comp' ? `Compressor ${def.label.toLowerCase()}` : def.label;
}

/** What the "+ lane" menu offers, by section in strip order: every channel parameter the engine plays. */
export function laneMenuGroups(): Array<{ title: string; params: string[] }> {
  const groups = new Map<string, string[]>();
  for (const id of AUTOMATED_CHANNEL_PARAMS) {
    if ((BASE_LANES as readonly string[]).includes(id)) continue;
    const section = defOf(id)?.section ?? 'other';
    groups.set(section, [...(groups.get(section) ?? []), id]);
  }
  return [...groups].map(([section, params]) => ({ title: SECTION_TITLES[section] ?? section, params }));
}

/** The lanes a track shows: volume and pan, those opened from the menu, and any other with points. */
export function shownLanes(runtime: SessionRuntime, channelId: string, opened: readonly string[]): string[] {
  const extra = AUTOMATED_CHANNEL_PARAMS.filter(
    (id) => !(BASE_LANES as readonly string[]).includes(id) && (opened.includes(id) || runtime.model.automation.points(`ch:${channelId}/${id}`).length > 0),
  );
  return [...BASE_LANES, ...extra];
}

/** "+ lane": opens a lane for any parameter the engine automates, grouped by section. */
export function AddLaneMenu({ name, shown, onAdd }: { name: string; shown: readonly string[]; onAdd: (paramId: string) => void }) {
  return (
    <select
      className="auto-add"
      value=""
      aria-label={`Add an automation lane to ${name}`}
      title="Add a lane for another parameter"
      data-testid={`auto-add-${slug(name)}`}
      onChange={(e) => e.target.value && onAdd(e.target.value)}
    >
      <option value="">+ lane</option>
      {laneMenuGroups().map((g) => (
        <optgroup key={g.title} label={g.title}>
          {g.params.map((id) => (
            <option key={id} value={id} disabled={shown.includes(id)}>
              {laneLabel(id)}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}
