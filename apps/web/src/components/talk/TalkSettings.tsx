'use client';
import type { DuckingSnapshot, MusicDucker } from '../../lib/ducking';
import type { TalkClient, TalkSnapshot } from '../../lib/talk';

/** How much the music goes down while someone talks, and each person's volume and mute. */
export function TalkSettings({ talk, ducker, snap, duck }: { talk: TalkClient; ducker: MusicDucker | null; snap: TalkSnapshot; duck: DuckingSnapshot }) {
  return (
    <details className="talk-settings" data-testid="talk-settings">
      <summary>Voices</summary>
      <div className="talk-settings-body">
        <label>
          Music while someone talks: <output data-testid="talk-duck-value">{duck.depthDb === 0 ? 'not turned down' : `${duck.depthDb} dB`}</output>
          <input
            type="range" min={-30} max={0} step={1} value={duck.depthDb} data-testid="talk-duck-depth"
            aria-label="How far the music is turned down while someone talks, dB"
            onChange={(e) => ducker?.setDepth(Number(e.target.value))}
          />
        </label>
        {snap.peers.length === 0 && <p className="talk-empty">Nobody else is in the talk yet.</p>}
        <ul>
          {snap.peers.map((p) => (
            <li key={p.peerId} data-testid={`talk-peer-${p.name}`} data-connection={p.connection} data-talking={p.talking}>
              <span className="talk-peer-name">{p.name}</span>
              {p.connection !== 'connected' && <span className="talk-peer-state">{p.connection === 'failed' ? 'could not connect' : 'connecting…'}</span>}
              <input
                type="range" min={0} max={2} step={0.05} value={p.volume} aria-label={`Volume of ${p.name}`} data-testid={`talk-volume-${p.name}`}
                onChange={(e) => talk.setVolume(p.peerId, Number(e.target.value))}
              />
              <label>
                <input type="checkbox" checked={p.muted} data-testid={`talk-mute-${p.name}`} onChange={(e) => talk.setMuted(p.peerId, e.target.checked)} />
                Mute
              </label>
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}
