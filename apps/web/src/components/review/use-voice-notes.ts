'use client';
import { useEffect, useState } from 'react';
import type { ReviewClient } from '../../lib/review';
import type { SessionRuntime } from '../../lib/session-runtime';
import { VoiceNotePlayer } from '../../lib/voice-note-player';
import { VoiceNoteRecorder } from '../../lib/voice-recorder';

declare global {
  interface Window {
    /** Voice notes, for the e2e tests. */
    __mixroomVoiceNotes?: { recorder: VoiceNoteRecorder; player: VoiceNotePlayer };
  }
}

/** The session's voice notes: a recorder for the comment strip and a player for the comments. */
export function useVoiceNotes(review: ReviewClient | null, runtime: SessionRuntime) {
  const [parts, setParts] = useState<{ recorder: VoiceNoteRecorder; player: VoiceNotePlayer } | null>(null);
  useEffect(() => {
    if (!review) return;
    const recorder = new VoiceNoteRecorder(review);
    const player = new VoiceNotePlayer(review, () => runtime.audioContext);
    setParts({ recorder, player });
    window.__mixroomVoiceNotes = { recorder, player };
    return () => {
      recorder.dispose();
      player.dispose();
      if (window.__mixroomVoiceNotes?.player === player) delete window.__mixroomVoiceNotes;
    };
  }, [review, runtime]);
  return { recorder: parts?.recorder ?? null, player: parts?.player ?? null };
}
