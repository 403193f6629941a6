'use client';

/** What a drag in a lane does. */
export type AutomationTool = 'point' | 'pencil' | 'range';

export interface LaneTools {
  tool: AutomationTool;
  /** Snap times to the session's beats (Shift bypasses it). */
  snap: boolean;
}

const TOOLS: Array<{ id: AutomationTool; label: string; title: string }> = [
  { id: 'point', label: '•', title: 'Points: click adds, drag moves, double-click deletes' },
  { id: 'pencil', label: '✎', title: 'Pencil: draw the curve freehand' },
  { id: 'range', label: '↔', title: 'Range: select a time range to scale, offset, copy, paste or clear' },
];

/** The lane tools and the snap switch, above the open lanes. Right-click a segment for its shape. */
export function AutomationToolbar({ tools, onChange }: { tools: LaneTools; onChange: (next: LaneTools) => void }) {
  return (
    <div className="auto-tools" role="toolbar" aria-label="Automation tools">
      {TOOLS.map((t) => (
        <button
          key={t.id}
          type="button"
          className={tools.tool === t.id ? 'on' : ''}
          aria-pressed={tools.tool === t.id}
          title={t.title}
          aria-label={t.title.split(':')[0]}
          data-testid={`auto-tool-${t.id}`}
          onClick={() => onChange({ ...tools, tool: t.id })}
        >
          {t.label}
        </button>
      ))}
      <button
        type="button"
        className={tools.snap ? 'on' : ''}
        aria-pressed={tools.snap}
        title="Snap to the beats of the session tempo (hold Shift to bypass)"
        data-testid="auto-snap"
        onClick={() => onChange({ ...tools, snap: !tools.snap })}
      >
        Snap
      </button>
    </div>
  );
}
