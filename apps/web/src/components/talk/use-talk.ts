'use client';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { MusicDucker } from '../../lib/ducking';
import type { PresenceClient } from '../../lib/presence';
import type { SessionRuntime } from '../../lib/session-runtime';
import { TalkClient, type TalkSnapshot } from '../../lib/talk';
import type { VoiceNotePlayer } from '../../lib/voice-note-player';

declare global {
  interface Window {
    /** Talkback, for the e2e tests and benchmarks. */
    __mixroomTalk?: { talk: TalkClient; ducker: MusicDucker };
  }
}

const OFF: TalkSnapshot = { state: 'off', canTalk: false, mic: 'off', micMessage: null, error: null, pushing: false, openMic: false, transmitting: false, peers: [], voiceActive: false };
const noop = () => () => {};

/**
 * The session's talkback: a TalkClient on the presence socket, the music ducker driven by it, and
 * the T key held to talk (not while typing).
 */
export function useTalk(presence: PresenceClient | null, runtime: SessionRuntime, voiceNotes: VoiceNotePlayer | null) {
  const [parts, setParts] = useState<{ talk: TalkClient; ducker: MusicDucker } | null>(null);
  // Read by the ducker on each tick: the player arrives after the talk client, which must not be remade for it.
  const notes = useRef(voiceNotes);
  useEffect(() => {
    notes.current = voiceNotes;
  }, [voiceNotes]);
  useEffect(() => {
    if (!presence) return;
    const talk = new TalkClient(presence.socket, presence.joined);
    // The ducker listens to the received voices on the audio thread; the page tells it what changed.
    const ducker = new MusicDucker(() => runtime.duckerHost, {
      voices: () => talk.voiceStreams(),
      force: () => talk.getSnapshot().transmitting || !!notes.current?.active,
    });
    const offTalk = talk.subscribe(() => ducker.sync());
    const offRuntime = runtime.subscribe(() => ducker.sync());
    const unsubscribe = () => {
      offTalk();
      offRuntime();
    };
    ducker.sync();
    setParts({ talk, ducker });
    window.__mixroomTalk = { talk, ducker };
    return () => {
      unsubscribe();
      ducker.dispose();
      talk.dispose();
      if (window.__mixroomTalk?.talk === talk) delete window.__mixroomTalk;
    };
  }, [presence, runtime]);

  useEffect(() => {
    if (!parts || !voiceNotes) return;
    const { ducker } = parts;
    return voiceNotes.subscribe(() => ducker.sync());
  }, [parts, voiceNotes]);

  const snap = useSyncExternalStore(parts?.talk.subscribe ?? noop, parts?.talk.getSnapshot ?? (() => OFF), () => OFF);

  useEffect(() => {
    const talk = parts?.talk;
    if (!talk) return;
    const typing = (t: EventTarget | null) => !!(t as HTMLElement | null)?.closest?.('input, textarea, select, [contenteditable="true"]');
    const down = (e: KeyboardEvent) => {
      if (e.code !== 'KeyT' || e.repeat || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (talk.getSnapshot().state !== 'on') return;
      e.preventDefault();
      talk.setPushing(true);
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === 'KeyT') talk.setPushing(false);
    };
    const blur = () => talk.setPushing(false);
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, [parts]);

  return { talk: parts?.talk ?? null, ducker: parts?.ducker ?? null, snap };
}
