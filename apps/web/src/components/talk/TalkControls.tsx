'use client';
import { useSyncExternalStore } from 'react';
import type { DuckingSnapshot, MusicDucker } from '../../lib/ducking';
import type { TalkClient, TalkSnapshot } from '../../lib/talk';
import { TalkSettings } from './TalkSettings';

const NO_DUCK: DuckingSnapshot = { depthDb: -12, gainDb: 0 };
const noop = () => () => {};

/**
 * Talkback in the header: Join talk; then Talk (hold the button or T), Open mic, Leave, the
 * settings (ducking depth, each person's volume and mute), who is talking, and what is wrong with
 * the microphone in words (everything else keeps working without one).
 */
export function TalkControls({ talk, ducker, snap }: { talk: TalkClient | null; ducker: MusicDucker | null; snap: TalkSnapshot }) {
  const duck = useSyncExternalStore(ducker?.subscribe ?? noop, ducker?.getSnapshot ?? (() => NO_DUCK), () => NO_DUCK);
  if (!talk) return null;
  const talking = snap.peers.filter((p) => p.talking);
  const canSend = snap.canTalk && snap.mic === 'ready';
  return (
    <div className="talk" data-testid="talk" data-state={snap.state} data-transmitting={snap.transmitting} data-voice-active={snap.voiceActive} data-duck-db={duck.gainDb.toFixed(1)}>
      {snap.state === 'off' ? (
        <button type="button" className="link-button" data-testid="talk-join" onClick={() => void talk.join()} title="Talk with the others in this session; the music is turned down while someone talks">
          Join talk
        </button>
      ) : (
        <>
          <button
            type="button"
            className={`talk-button${snap.transmitting ? ' on' : ''}`}
            data-testid="talk-button"
            disabled={!canSend || snap.state !== 'on'}
            aria-pressed={snap.pushing}
            title={canSend ? 'Hold to talk (or hold T)' : snap.micMessage ?? 'Starting the microphone…'}
            onPointerDown={(e) => {
              e.currentTarget.setPointerCapture?.(e.pointerId);
              talk.setPushing(true);
            }}
            onPointerUp={() => talk.setPushing(false)}
            onPointerCancel={() => talk.setPushing(false)}
            onKeyDown={(e) => {
              if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) talk.setPushing(true);
            }}
            onKeyUp={(e) => {
              if (e.key === ' ' || e.key === 'Enter') talk.setPushing(false);
            }}
          >
            {snap.transmitting ? 'Talking…' : 'Talk'}
          </button>
          <label className="talk-open" title="Keep the microphone open instead of holding Talk">
            <input type="checkbox" data-testid="talk-open-mic" disabled={!canSend} checked={snap.openMic} onChange={(e) => talk.setOpenMic(e.target.checked)} />
            Open mic
          </label>
          <TalkSettings talk={talk} ducker={ducker} snap={snap} duck={duck} />
          <button type="button" className="link-button" data-testid="talk-leave" onClick={() => talk.leave()}>
            Leave talk
          </button>
        </>
      )}
      <span className="talk-status" role="status" aria-live="polite" data-testid="talk-status">
        {snap.state === 'joining' && 'Joining the talk…'}
        {talking.length > 0 && `${talking.map((p) => p.name).join(', ')} ${talking.length === 1 ? 'is' : 'are'} talking`}
      </span>
      {(snap.micMessage || snap.error) && (
        <span className="talk-message" role="note" data-testid="talk-message">
          {snap.error ?? snap.micMessage}
        </span>
      )}
    </div>
  );
}
