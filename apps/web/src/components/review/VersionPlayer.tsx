'use client';
// The version player: one version, or A/B of two, optionally a reference track and the live mix
// (rendered: use-live-side.ts), decoded and played from the session's audio clock (VersionDeck),
// sample-aligned, switching with a 15 ms crossfade, level-matched by integrated loudness; waveform
// with playhead, click-to-seek, drag-to-loop; comments on the heard version's timeline; loudness
// figures and spectra of the sides compared.
// Starting it pauses the main transport, and the main transport's Play stops it.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { CommentInfo } from '@mixroom/protocol';
import { isReference, sideLetter, sourceLabel, type DeckSource } from '../../lib/deck-sources';
import { matchTrims } from '../../lib/deck-math';
import { formatTime } from '../../lib/format';
import type { ReviewClient } from '../../lib/review';
import type { SessionRuntime } from '../../lib/session-runtime';
import { decodeVersion, VersionDeck } from '../../lib/version-deck';
import { DeckTimeline } from './DeckTimeline';
import { LiveMixControls } from './LiveMixControls';
import { useLiveSide } from './use-live-side';
import { SpectrumCompare } from './SpectrumCompare';
import { CodecPreviewPanel } from './CodecPreviewPanel';
import { PREVIEW_CODECS, type CodecPreview } from '../../lib/codec-preview';

declare global {
  interface Window {
    /** Debugging/test hook: the version player on the page (see docs/review.md, "Version player"). */
    __mixroomDeck?: VersionDeck;
  }
}

function useDeck(runtime: SessionRuntime) {
  const [tick, setTick] = useState(0);
  const ctx = useSyncExternalStore(runtime.subscribe, () => runtime.audioContext, () => null);
  const deck = useMemo(() => (ctx ? new VersionDeck(ctx, () => setTick((n) => n + 1)) : null), [ctx]);
  useEffect(() => {
    if (!deck) return;
    window.__mixroomDeck = deck;
    runtime.setOtherPlayer(() => deck.pause());
    return () => {
      runtime.setOtherPlayer(null);
      deck.dispose();
      if (window.__mixroomDeck === deck) delete window.__mixroomDeck;
    };
  }, [deck, runtime]);
  return { deck, tick };
}

export function VersionPlayer({ sides, runtime, review, comments, live, onLive }: {
  sides: DeckSource[];
  runtime: SessionRuntime;
  review: ReviewClient;
  comments: CommentInfo[];
  /** Whether the live mix is one more side (after `sides`). */
  live: boolean;
  onLive: (on: boolean) => void;
}) {
  const { deck } = useDeck(runtime);
  const [decoded, setDecoded] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
  /** A codec preview of the one version open: played as two more sides (decoded, difference), as is. */
  const [preview, setPreview] = useState<CodecPreview | null>(null);
  const buffers = useRef<AudioBuffer[]>([]);
  const key = sides.map((v) => v.id).join();
  const loaded = decoded === key;
  const liveSide = useLiveSide(runtime, live);
  const rendered = liveSide.render;
  const liveColumn = useMemo(() => rendered && { loudness: rendered, spectrum: rendered.spectrum }, [rendered]);
  // Every side, the live mix too, turned down to the quietest one's integrated loudness.
  const loudness = [...sides.map((v) => v.loudness.integrated), ...(rendered ? [rendered.integrated] : [])];
  const matched = matchTrims(loudness);
  const trims = preview ? [...matched, 0, 0] : matched;
  const target = Math.min(...loudness.map((l, i) => (l ?? 0) + matched[i]));
  const previewLabels = preview ? [`${PREVIEW_CODECS[preview.codec].label} decoded`, `what ${PREVIEW_CODECS[preview.codec].label} removes`] : [];

  useEffect(() => {
    if (!deck) return;
    const ctx = runtime.audioContext!;
    const ac = new AbortController();
    setError(null);
    setPreview(null);
    buffers.current = [];
    Promise.all(sides.map((v) => decodeVersion(ctx, v.audioUrl, ac.signal))).then(
      (all) => {
        if (ac.signal.aborted) return;
        buffers.current = all;
        setDecoded(key);
      },
      (e: unknown) => !ac.signal.aborted && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      ac.abort();
      deck.pause();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reload only when the versions change
  }, [deck, key]);

  // The deck's sides: the decoded versions/references, then the live mix's render or the codec preview.
  useEffect(() => {
    if (!deck || !loaded || buffers.current.length !== sides.length) return;
    const base = buffers.current.map((buffer, i) => ({ id: sides[i].id, buffer, trimDb: matched[i] }));
    const extra = preview
      ? [{ id: `${preview.codec}-decoded`, buffer: preview.decoded, trimDb: 0 }, { id: `${preview.codec}-difference`, buffer: preview.difference, trimDb: 0 }]
      : rendered ? [{ id: 'live', buffer: rendered.buffer, trimDb: matched[sides.length] }] : [];
    deck.setSides([...base, ...extra]);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the trims follow from the sides and the render
  }, [deck, loaded, preview, rendered]);

  const showPreview = (p: CodecPreview | null) => {
    if (p) onLive(false);
    setPreview(p);
  };
  const toggleLive = (on: boolean) => {
    if (on) setPreview(null);
    onLive(on);
  };

  const position = useCallback(() => deck?.position ?? 0, [deck]);
  if (!deck) return <p className="muted">The version player starts with the session's audio.</p>;
  // A codec side is the same version's audio: its comments and timeline are the version's.
  const liveHeard = rendered !== null && !preview && deck.heard === sides.length;
  const heard = sides[deck.heard] ?? sides[0];
  const duration = loaded ? deck.duration : Math.max(...sides.map((v) => v.durationSec));
  const playing = deck.state === 'playing';
  const onThis = liveHeard || isReference(heard) ? [] : comments.filter((c) => c.versionId === heard.id && !c.parentId && !c.deletedAt);
  const loop = deck.loop;
  const count = sides.length + previewLabels.length + (rendered ? 1 : 0);
  // Decoded and handed to the deck (the sides are set in an effect after the decode).
  const ready = loaded && deck.sides.length >= sides.length;

  const toggle = () => {
    if (playing) return deck.pause();
    if (runtime.transport?.state === 'started') runtime.pause();
    void deck.play();
  };
  const comment = async () => {
    const at = loop ? loop.start : deck.position;
    await review.addComment(note.trim(), at, loop ? loop.end : null, undefined, heard.id).then(() => setNote(''), (e: Error) => setError(e.message));
  };

  return (
    <div className="deck" data-testid="version-player" data-state={deck.state} data-heard={sideLetter(deck.heard).toLowerCase()} data-target-lufs={target.toFixed(2)} data-loaded={ready}>
      <DeckTimeline
        peaksUrl={liveHeard ? null : heard.peaksUrl}
        peaks={liveHeard ? rendered.peaks : null}
        duration={duration}
        position={position}
        loop={loop}
        comments={onThis}
        onSeek={(t) => deck.seek(t)}
        onLoop={(a, b) => deck.setLoop(a, b)}
      />
      <div className="ab">
        <button type="button" onClick={toggle} disabled={!ready} data-testid="deck-play" aria-label={playing ? 'Pause the version player' : 'Play the version player'}>
          {playing ? 'Pause' : 'Play'}
        </button>
        <span className="deck-time" data-testid="deck-time"><DeckClock position={position} /> / {formatTime(duration)}</span>
        {count > 1 && sides.map((v, i) => (
          <button
            key={v.id} type="button" aria-pressed={deck.heard === i} onClick={() => deck.switchTo(i)}
            data-testid={`ab-${sideLetter(i).toLowerCase()}`} data-version={isReference(v) ? undefined : v.number} data-reference={isReference(v) ? v.id : undefined} data-trim-db={trims[i].toFixed(2)}
          >
            {sideLetter(i)}: {sourceLabel(v)} ({trims[i].toFixed(1)} dB)
          </button>
        ))}
        {previewLabels.map((label, k) => (
          <button key={label} type="button" aria-pressed={deck.heard === sides.length + k} onClick={() => deck.switchTo(sides.length + k)} data-testid={`ab-${sideLetter(sides.length + k).toLowerCase()}`} data-codec-side={k === 0 ? 'decoded' : 'difference'}>
            {sideLetter(sides.length + k)}: {label}
          </button>
        ))}
        <LiveMixControls
          side={liveSide} on={live} letter={sideLetter(sides.length)} heard={liveHeard} trimDb={matched[sides.length] ?? 0}
          canRender={loaded && runtime.stemsReady} onToggle={toggleLive} onHear={() => deck.switchTo(sides.length)}
        />
        {loop && (
          <button type="button" onClick={() => deck.setLoop(null)} data-testid="deck-loop-off" title="Stop looping">
            Loop {formatTime(loop.start)}–{formatTime(loop.end)} ✕
          </button>
        )}
        {/* The codec sides are played as they are: the point is to hear the codec. */}
        {matched.length > 1 && <span className="muted">level-matched to {target.toFixed(1)} LUFS</span>}
        {!loaded && !error && <span className="muted" data-testid="deck-loading">Loading…</span>}
      </div>
      {(sides.length > 1 || rendered) && <SpectrumCompare sides={sides} live={preview ? null : liveColumn} heard={deck.heard} trims={trims} review={review} />}
      {sides.length === 1 && !isReference(sides[0]) && !live && loaded && (
        <CodecPreviewPanel key={sides[0].id} runtime={runtime} ctx={runtime.audioContext!} source={buffers.current[0] ?? null} preview={preview} onPreview={showPreview} />
      )}
      {!isReference(heard) && !liveHeard && (
        <form className="row" onSubmit={(e) => { e.preventDefault(); void comment(); }}>
          <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={5000} placeholder={`Comment on v${heard.number} ${loop ? 'on the loop' : 'at the playhead'}`} data-testid="deck-comment-input" />
          <button type="submit" disabled={!note.trim()} data-testid="deck-comment-send">Comment</button>
        </form>
      )}
      {error && <p className="error-text" role="alert">{error}</p>}
    </div>
  );
}

/** The position figure, redrawn each animation frame without re-rendering the player. */
function DeckClock({ position }: { position: () => number }) {
  const [text, setText] = useState(formatTime(position()));
  useEffect(() => {
    let raf = 0;
    const frame = () => {
      setText(formatTime(position()));
      raf = requestAnimationFrame(frame);
    };
    raf = requestAnimationFrame(frame);
    return () => cancelAnimationFrame(raf);
  }, [position]);
  return <span data-testid="deck-position">{text}</span>;
}
