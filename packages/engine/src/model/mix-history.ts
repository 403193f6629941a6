import * as Y from 'yjs';
import type { MixModel } from './mix-model';
import { paramDefFor, parseParamKey } from './param-keys';
import type { WriterRegisterMap } from './writer-register-map';

/** Moves of one control closer together than this are one step (a drag, a run of arrow-key nudges). */
export const UNDO_CAPTURE_MS = 500;

export interface MixHistorySnapshot {
  canUndo: boolean;
  canRedo: boolean;
  /** The parameter keys the next undo / redo would change (empty when there is none). */
  undoKeys: readonly string[];
  redoKeys: readonly string[];
}

/**
 * Undo and redo of this person's own mix moves (faders, knobs, switches), never anyone else's.
 *
 * A Yjs UndoManager on the parameter registers tracks only transactions this replica made
 * itself (origin null); moves arriving from others come with the provider as origin. Undoing a
 * move brings back the value it replaced, unless someone has moved that control since: their
 * later value has the higher timestamp and stays (every replica agrees). One step is one gesture:
 * a new step starts when another control is touched, at `beginGesture()` / `endGesture()`
 * (pointer pressed / released), or, between gestures (keyboard nudges), after UNDO_CAPTURE_MS
 * without moves.
 */
export class MixHistory {
  private readonly manager: Y.UndoManager;
  private readonly listeners = new Set<() => void>();
  /** Keys changed by the transaction being captured; set by the register listener, which runs first. */
  private pendingKeys = new Set<string>();
  /** Keys of the step being undone or redone: its counterpart on the other stack names the same controls. */
  private poppedKeys: string[] = [];
  private snapshot: MixHistorySnapshot = { canUndo: false, canRedo: false, undoKeys: [], redoKeys: [] };

  private readonly offChanges: Array<() => void>;

  /** `registers`: the parameter registers and, since automation, the automation pieces (one undo stack for both). */
  private readonly captureMs: number;

  constructor(registers: WriterRegisterMap | WriterRegisterMap[], options: { captureMs?: number } = {}) {
    const all = Array.isArray(registers) ? registers : [registers];
    this.captureMs = options.captureMs ?? UNDO_CAPTURE_MS;
    this.manager = new Y.UndoManager(all.map((r) => r.sharedType), {
      captureTimeout: this.captureMs,
      trackedOrigins: new Set([null]),
      // A writer's own array is created by its first move; undoing that move must remove the
      // entry, not the array (which later moves, and moves restored by other undos, live in).
      deleteFilter: (item) => !all.some((r) => r.isWriterArray(item)),
    });
    const onRegisterChange = (changed: Set<string>, transaction: Y.Transaction) => {
      // Automation pieces ("ch:x/gain#3") count as one control per lane: "ch:x/gain#auto".
      const keys = new Set([...changed].map((k) => (k.includes('#') ? `${k.slice(0, k.lastIndexOf('#'))}#auto` : k)));
      // Only transactions the manager captures: this replica's own moves, and its undos/redos.
      const tracked = transaction.local && transaction.origin === null;
      if (!tracked && transaction.origin !== this.manager) return;
      // Touching another control starts a new step, however quickly it follows the last one.
      const topKeys = this.manager.undoStack[this.manager.undoStack.length - 1]?.meta.get('keys') as Set<string> | undefined;
      if (tracked && topKeys && [...keys].some((k) => !topKeys.has(k))) this.manager.stopCapturing();
      for (const k of keys) this.pendingKeys.add(k);
    };
    this.offChanges = all.map((r) => r.onChange(onRegisterChange));
    const remember = (event: { stackItem: { meta: Map<string, unknown> }; origin: unknown }) => {
      const keys = (event.stackItem.meta.get('keys') as Set<string> | undefined) ?? new Set<string>();
      for (const k of this.pendingKeys) keys.add(k);
      // An undo that changed nothing visible (someone moved the control since) still names it.
      if (event.origin === this.manager) for (const k of this.poppedKeys) keys.add(k);
      event.stackItem.meta.set('keys', keys);
      this.pendingKeys = new Set();
      this.refresh();
    };
    this.manager.on('stack-item-added', remember);
    this.manager.on('stack-item-updated', remember);
    this.manager.on('stack-item-popped', () => this.refresh());
    this.manager.on('stack-cleared', () => this.refresh());
  }

  /**
   * A control was grabbed: every move until `endGesture()` is one step, however long the person
   * holds still mid-drag (or the page stalls between pointer events under load), and grabbing it
   * again right after a nudge starts a new one.
   */
  beginGesture(): void {
    this.manager.stopCapturing();
    this.manager.captureTimeout = Number.POSITIVE_INFINITY;
  }

  /** The pointer was released: the next move, even of the same control, is a new step. */
  endGesture(): void {
    this.manager.captureTimeout = this.captureMs;
    this.manager.stopCapturing();
  }

  /** Undoes this person's last step; returns the keys it changed back (empty if there was none). */
  undo(): string[] {
    // Read before: the counterpart step is added inside the undo, before Yjs reports the pop.
    this.poppedKeys = this.snapshot.undoKeys.slice();
    return keysOf(this.manager.undo());
  }

  redo(): string[] {
    this.poppedKeys = this.snapshot.redoKeys.slice();
    return keysOf(this.manager.redo());
  }

  getSnapshot = (): MixHistorySnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  destroy(): void {
    for (const off of this.offChanges) off();
    this.manager.destroy();
    this.listeners.clear();
  }

  private refresh(): void {
    const top = (stack: Array<{ meta: Map<string, unknown> }>) => keysOf(stack[stack.length - 1] ?? null);
    const next = { canUndo: this.manager.canUndo(), canRedo: this.manager.canRedo(), undoKeys: top(this.manager.undoStack), redoKeys: top(this.manager.redoStack) };
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);
    const cur = this.snapshot;
    // A drag updates the same step on every move: only a real change re-renders the buttons.
    if (next.canUndo === cur.canUndo && next.canRedo === cur.canRedo && same(next.undoKeys, cur.undoKeys) && same(next.redoKeys, cur.redoKeys)) return;
    this.snapshot = next;
    for (const l of this.listeners) l();
  }
}

function keysOf(item: { meta: Map<string, unknown> } | null): string[] {
  return [...((item?.meta.get('keys') as Set<string> | undefined) ?? [])];
}

/** "Bass Fader", "Master Limiter ceiling", "Reverb Decay", or "3 controls" for a step that changed several. */
export function describeParamKeys(keys: readonly string[], model: MixModel): string {
  if (keys.length === 0) return '';
  if (keys.length > 1) return `${keys.length} controls`;
  const auto = keys[0].endsWith('#auto');
  const parsed = parseParamKey(auto ? keys[0].slice(0, -'#auto'.length) : keys[0]);
  if (!parsed) return keys[0];
  const { scope, paramId } = parsed;
  const where =
    scope.kind === 'master' ? 'Master' : scope.kind === 'fx' ? (scope.bus === 'reverb' ? 'Reverb' : 'Delay') : (model.listChannels().find((c) => c.id === scope.channelId)?.name ?? 'Channel');
  return `${where} ${paramDefFor(scope, paramId)?.label ?? paramId}${auto ? ' automation' : ''}`;
}
