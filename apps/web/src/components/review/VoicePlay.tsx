'use client';
// A voice note's play button: plays it with the music turned down (the talkback ducker), stops it.
import { useSyncExternalStore } from 'react';
import type { CommentInfo } from '@mixroom/protocol';
import { formatTime } from '../../lib/format';
import type { VoiceNotePlayer, VoicePlayerSnapshot } from '../../lib/voice-note-player';

const NONE: VoicePlayerSnapshot = { playing: null, loading: false, error: null, errorFor: null };
const noop = () => () => {};

export function VoicePlay({ player, comment }: { player: VoiceNotePlayer | null; comment: CommentInfo }) {
  const snap = useSyncExternalStore(player?.subscribe ?? noop, player?.getSnapshot ?? (() => NONE), () => NONE);
  if (!comment.voice) return null;
  const mine = snap.playing === comment.id;
  return (
    <span className="voice-play">
      <button
        type="button"
        data-testid="voice-play"
        data-state={mine ? (snap.loading ? 'loading' : 'playing') : 'stopped'}
        disabled={!player}
        aria-label={mine ? 'Stop the voice note' : `Play the voice note (${formatTime(comment.voice.durationSec)}), the music turned down meanwhile`}
        onClick={() => (mine ? player?.stop() : void player?.play(comment))}
      >
        {mine ? (snap.loading ? '… Loading' : '■ Stop') : `▶ ${formatTime(comment.voice.durationSec)}`}
      </button>
      {snap.error && snap.errorFor === comment.id && <span className="error-text small" role="alert">{snap.error}</span>}
    </span>
  );
}
