'use client';
import { useEffect } from 'react';
import { can, type Role } from '@mixroom/protocol';
import type { SessionRuntime } from '../../lib/session-runtime';
import type { Draft } from '../review/CommentLane';

/**
 * The session's keys: Space toggles play, as in every DAW, unless the person is typing a value;
 * C comments at the playhead; ? lists the shortcuts; Ctrl/⌘+Z and Y undo and redo one's own moves.
 */
export function useSessionShortcuts(runtime: SessionRuntime, role: Role, onDraft: (d: Draft) => void, onShowShortcuts: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.code === 'KeyC' && !e.ctrlKey && !e.metaKey && !e.altKey && !t?.closest('input, textarea, select, [role="slider"]')) {
        e.preventDefault();
        onDraft({ atSec: runtime.transport?.position ?? 0, endSec: null });
        return;
      }
      if (e.key === '?' && !e.ctrlKey && !e.metaKey && !t?.closest('input, textarea, select, [contenteditable="true"]')) {
        e.preventDefault();
        onShowShortcuts();
        return;
      }
      // Undo/redo of one's own mix moves; text fields keep their own undo.
      if (e.code === 'KeyZ' || e.code === 'KeyY') {
        if (!(e.ctrlKey || e.metaKey) || e.altKey || t?.closest('input, textarea, select, [contenteditable="true"]')) return;
        e.preventDefault();
        if (!can(role, 'mix.edit')) return;
        if (e.code === 'KeyY' || e.shiftKey) runtime.history.redo();
        else runtime.history.undo();
        return;
      }
      if (e.code !== 'Space' || t?.closest('input, textarea, button, [role="slider"]')) return;
      e.preventDefault();
      if (runtime.transport?.state === 'started') runtime.pause();
      else void runtime.play();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [runtime, role, onDraft, onShowShortcuts]);
}
