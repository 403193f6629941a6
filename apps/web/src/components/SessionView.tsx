'use client';
import { PlaybackHealth } from './PlaybackHealth';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import Link from 'next/link';
import { can, type GetSessionResponse, type Presence } from '@mixroom/protocol';
import { getSession, HttpError, me, sessionIdFromLocation } from '../lib/api';
import { formatTime, slug } from '../lib/format';
import { initials, loadIdentity, randomIdentity, saveIdentity, type Identity } from '../lib/identity';
import { describeParamKeys, type Peaks } from '@mixroom/engine';
import { fetchPeaks, peaksFromBuffer } from '../lib/peaks';
import { PresenceClient, type PresenceSnapshot } from '../lib/presence';
import { SessionRuntime, type RuntimeSnapshot, type StemLoad } from '../lib/session-runtime';
import { TogetherClient, type TogetherSnapshot } from '../lib/together';
import type { ParamScope } from '@mixroom/engine';
import { ChannelStrip, FxReturnStrip, MasterStrip } from './ChannelStrip';
import { BouncePanel } from './BouncePanel';
import { DetailPanel, type Selection } from './DetailPanel';
import { MixContext } from './mix-context';
import { FrameContext, FrameLoop, useFrame } from './frame';
import { ShortcutsDialog } from './ShortcutsDialog';
import { IdentityDialog } from './IdentityDialog';
import { MembersPanel } from './MembersPanel';
import { AccountBar } from './AccountBar';
import { Brand } from './Brand';
import { LoudnessPanel } from './LoudnessPanel';
import { NotFoundContent } from './NotFoundContent';
import { Waveform } from './Waveform';
import { UploadButton, UploadList, useDropFiles } from './StemUploader';
import { StemPanel } from './StemPanel';
import { UploadQueue } from '../lib/uploads';
import { RecallBanner, ReviewPanel, ReviewTimelineStrip } from './review/ReviewPanel';
import type { Draft } from './review/CommentLane';
import type { ReviewUser } from './review/ReviewPanel';
import { ReviewClient } from '../lib/review';

const LANE_COLORS = ['#f5a524', '#5b9cf5', '#4cc38a', '#e5484d', '#b18cf5', '#3dd6d0', '#f57ad0', '#c2d94c'];

type PageState =
  | { kind: 'loading' }
  | { kind: 'not-found' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; session: GetSessionResponse };

/** The /s/<id> page: resolves the id from the URL (the page is one static file for every id). */
export function SessionPage() {
  const [state, setState] = useState<PageState>({ kind: 'loading' });

  useEffect(() => {
    const id = sessionIdFromLocation(window.location);
    if (!id) {
      setState({ kind: 'not-found' });
      return;
    }
    let cancelled = false;
    getSession(id).then(
      (session) => {
        if (cancelled) return;
        document.title = `${session.title} · Mixroom`;
        setState({ kind: 'ready', session });
      },
      (e: unknown) => {
        if (cancelled) return;
        if (e instanceof HttpError && e.status === 404) setState({ kind: 'not-found' });
        else setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  if (state.kind === 'not-found') return <NotFoundContent what="session" />;
  if (state.kind === 'error')
    return (
      <main className="center-page">
        <h1>Could not open this session</h1>
        <p className="error-text" role="alert">
          {state.message}
        </p>
        <Link href="/">Back to all sessions</Link>
      </main>
    );
  if (state.kind === 'loading')
    return (
      <main className="center-page">
        <div className="spinner" aria-label="Loading session" />
      </main>
    );
  return <SessionView session={state.session} />;
}

function useRuntime(session: GetSessionResponse): SessionRuntime | null {
  const [runtime, setRuntime] = useState<SessionRuntime | null>(null);
  useEffect(() => {
    const rt = new SessionRuntime(session);
    setRuntime(rt);
    void rt.startAudio().catch((e) => console.error('[mixroom] audio init failed', e));
    return () => rt.dispose();
  }, [session]);
  return runtime;
}

function SessionView({ session }: { session: GetSessionResponse }) {
  const runtime = useRuntime(session);
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [askIdentity, setAskIdentity] = useState(false);
  const frameLoop = useMemo(() => new FrameLoop(), []);

  useEffect(() => {
    const saved = loadIdentity();
    if (saved) setIdentity(saved);
    else {
      setIdentity(randomIdentity());
      setAskIdentity(true);
      // The account's name is the natural default; the dialog still lets them pick a colour or nickname.
      me().then((r) => setIdentity((cur) => (cur ? { ...cur, name: r.user.name } : cur)), () => {});
    }
  }, []);

  const [presence, setPresence] = useState<PresenceClient | null>(null);
  const identityRef = useRef(identity);
  identityRef.current = identity;
  // Joins under the provisional name right away so the others see us; a rename follows as an update.
  const hasIdentity = identity !== null;
  // The signed-in account: who writes comments and approves (the role comes with the session).
  const [devUser, setDevUser] = useState<ReviewUser | null>(null);
  useEffect(() => {
    me().then((r) => setDevUser({ userId: r.user.id, name: r.user.name, role: session.role }), () => {});
  }, [session.role]);
  useEffect(() => {
    if (!identityRef.current) return;
    const p = new PresenceClient(session.id, identityRef.current);
    setPresence(p);
    return () => p.dispose();
  }, [session.id, hasIdentity]);
  useEffect(() => {
    if (identity) presence?.setIdentity(identity);
  }, [identity, presence]);

  if (!runtime || !identity || !devUser) {
    return (
      <main className="center-page">
        <div className="spinner" aria-label="Loading session" />
      </main>
    );
  }

  return (
    <FrameContext.Provider value={frameLoop}>
      <Mixer
        session={session}
        runtime={runtime}
        presence={presence}
        identity={identity}
        onEditIdentity={() => setAskIdentity(true)}
        devUser={devUser}
      />
      {askIdentity && (
        <IdentityDialog
          key={identity.name}
          initial={identity}
          onDone={(id) => {
            saveIdentity(id);
            setIdentity(id);
            setAskIdentity(false);
          }}
        />
      )}
    </FrameContext.Provider>
  );
}

const EMPTY_PRESENCE: PresenceSnapshot = { selfId: null, connected: false, peers: new Map() };
const noopSubscribe = () => () => {};

function Mixer({
  session,
  runtime,
  presence,
  identity,
  onEditIdentity,
  devUser,
}: {
  session: GetSessionResponse;
  runtime: SessionRuntime;
  presence: PresenceClient | null;
  identity: Identity;
  onEditIdentity: () => void;
  devUser: ReviewUser;
}) {
  const snap = useSyncExternalStore(runtime.subscribe, runtime.getSnapshot, runtime.getSnapshot);
  const pres = useSyncExternalStore(
    presence?.subscribe ?? noopSubscribe,
    presence?.getSnapshot ?? (() => EMPTY_PRESENCE),
    () => EMPTY_PRESENCE,
  );

  const held = useMemo(() => {
    const m = new Map<string, Presence>();
    for (const p of pres.peers.values()) if (p.control) m.set(p.control, p);
    return m;
  }, [pres.peers]);

  const onHold = useCallback(
    (control: string, held: boolean) => {
      presence?.hold(control, held);
      // Letting go ends the gesture: one drag is one undo step.
      if (!held) runtime.history.endGesture();
    },
    [presence, runtime],
  );
  const mixContext = useMemo(() => ({ runtime, held, onHold }), [runtime, held, onHold]);
  const [selection, setSelection] = useState<Selection>(null);
  const isSelected = (scope: ParamScope) =>
    selection !== null &&
    selection.kind === scope.kind &&
    (scope.kind !== 'channel' || (selection.kind === 'channel' && selection.channelId === scope.channelId)) &&
    (scope.kind !== 'fx' || (selection.kind === 'fx' && selection.bus === scope.bus));
  const onSelect = useCallback((scope: ParamScope) => setSelection((cur) => (cur && JSON.stringify(cur) === JSON.stringify(scope) ? null : scope)), []);

  const loads = useMemo(() => new Map(snap.stems.map((s) => [s.stem.id, s])), [snap.stems]);
  const colorOf = useMemo(() => {
    const m = new Map<string, string>();
    snap.stems.forEach((s, i) => m.set(s.stem.id, LANE_COLORS[i % LANE_COLORS.length]));
    return m;
  }, [snap.stems]);
  const uploads = useMemo(() => new UploadQueue(session.id), [session.id]);
  const canUpload = can(session.role, 'stems.manage');
  const dragging = useDropFiles(uploads, canUpload);

  const [review, setReview] = useState<ReviewClient | null>(null);
  useEffect(() => {
    if (!presence) return;
    const r = new ReviewClient(session.id, presence.socket, devUser.userId);
    setReview(r);
    return () => r.dispose();
  }, [presence, session.id, devUser.userId]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [showShortcuts, setShowShortcuts] = useState(false);
  const closeShortcuts = useCallback(() => setShowShortcuts(false), []);

  // Keyboard: space toggles play, as in every DAW, unless the person is typing a value; C comments at the playhead.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.code === 'KeyC' && !e.ctrlKey && !e.metaKey && !e.altKey && !t?.closest('input, textarea, select, [role="slider"]')) {
        e.preventDefault();
        setDraft({ atSec: runtime.transport?.position ?? 0, endSec: null });
        return;
      }
      if (e.key === '?' && !e.ctrlKey && !e.metaKey && !t?.closest('input, textarea, select, [contenteditable="true"]')) {
        e.preventDefault();
        setShowShortcuts(true);
        return;
      }
      // Undo/redo of one's own mix moves; text fields keep their own undo.
      if (e.code === 'KeyZ' || e.code === 'KeyY') {
        if (!(e.ctrlKey || e.metaKey) || e.altKey || t?.closest('input, textarea, select, [contenteditable="true"]')) return;
        e.preventDefault();
        if (!can(session.role, 'mix.edit')) return;
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
  }, [runtime, session.role]);

  const loadingDone = snap.stems.every((s) => s.status === 'ready' || s.status === 'error');
  const failed = snap.stems.filter((s) => s.status === 'error');

  const [showMembers, setShowMembers] = useState(false);
  const [reviewOpen, setReviewOpen] = useReviewOpen();
  // Starting a comment on the timeline brings the review column back to write it in.
  useEffect(() => {
    if (draft) setReviewOpen(true);
  }, [draft, setReviewOpen]);
  // The channel whose stem panel is open; it closes by itself when the channel leaves the mix.
  const [editing, setEditing] = useState<string | null>(null);
  const editingChannel = editing ? snap.mix.channels.find((c) => c.id === editing) ?? null : null;
  // The server drops a viewer's document updates anyway; the UI says so instead of letting moves vanish.
  const readOnly = !can(session.role, 'mix.edit');
  const [together, setTogether] = useState<TogetherClient | null>(null);
  useEffect(() => {
    if (!presence) return;
    const client = new TogetherClient(presence.socket, runtime, (status) => presence.setStatus(status));
    runtime.together = client;
    setTogether(client);
    return () => {
      if (runtime.together === client) runtime.together = null;
      client.dispose();
    };
  }, [presence, runtime]);
  useEffect(() => presence?.setStatus({ loading: !loadingDone }), [presence, loadingDone]);

  return (
    <MixContext.Provider value={mixContext}>
    <div className={`app${dragging ? ' drop-target' : ''}`} data-testid="mixer" data-stems-state={loadingDone ? 'done' : 'loading'} data-synced={snap.synced}>
      {dragging && <div className="drop-overlay" data-testid="drop-overlay">Drop audio files to add them as channels</div>}
      <header className="topbar">
        <Brand linkHome />
        <div className="session-title">
          <h1 data-testid="session-title">{session.title}</h1>
          <span className="session-meta">
            {session.tempo ? `${Math.round(session.tempo)} BPM · ` : ''}
            {snap.mix.channels.length} channels
          </span>
        </div>
        <div className="topbar-right">
          <AccountBar />
          <button type="button" className="link-button" onClick={() => setShowShortcuts(true)} title="Keyboard and mouse shortcuts (?)" data-testid="shortcuts-button">
            Shortcuts
          </button>
          {can(session.role, 'members.manage') && (
            <button type="button" className="link-button" onClick={() => setShowMembers((v) => !v)} data-testid="members-button">
              Members
            </button>
          )}
          {canUpload && <UploadButton queue={uploads} />}
          {review && (
            <button
              type="button"
              className="link-button"
              aria-expanded={reviewOpen}
              aria-controls="review-column"
              data-testid="review-toggle"
              title={reviewOpen ? 'Hide comments and versions to see more channels' : 'Show comments and versions'}
              onClick={() => setReviewOpen(!reviewOpen)}
            >
              {reviewOpen ? 'Hide review' : 'Review'}
            </button>
          )}
          <BouncePanel runtime={runtime} ready={loadingDone && snap.audioReady} />
          <PlaybackHealth snap={snap} />
          <span className={`conn ${snap.connected && snap.synced ? 'ok' : 'bad'}`} data-testid="sync-status">
            <i />
            {snap.syncError ? `Not synced: ${snap.syncError}` : snap.connected && snap.synced ? 'Live' : snap.connected ? 'Syncing…' : 'Offline – reconnecting'}
          </span>
          <div className="avatars" data-testid="avatars">
            {[...pres.peers.values()].map((p) => (
              <span
                key={p.peerId}
                className="avatar"
                style={{ background: p.color }}
                title={`${p.name}${p.control ? ' (adjusting)' : ''}${p.loading ? ' — loading stems' : ''}${p.together ? ' — listening together' : ''}`}
                data-testid={`avatar-${slug(p.name)}`}
                data-name={p.name}
                data-together={p.together}
                data-loading={p.loading}
              >
                {initials(p.name)}
                {p.together && <i className="avatar-badge together" aria-label="listening together" />}
                {p.loading && <i className="avatar-badge loading" aria-label="loading stems" />}
              </span>
            ))}
            <button
              type="button"
              className="avatar self"
              style={{ background: identity.color }}
              title={`You: ${identity.name} (click to change)`}
              data-testid="avatar-self"
              onClick={onEditIdentity}
            >
              {initials(identity.name)}
            </button>
          </div>
        </div>
      </header>

      <TransportBar runtime={runtime} snap={snap} together={together} readOnly={readOnly} />
      <UploadList queue={uploads} />

      {failed.length > 0 && (
        <div className="banner-error" role="alert" data-testid="stem-errors">
          <strong>
            {failed.length === 1 ? '1 stem could not be loaded' : `${failed.length} stems could not be loaded`}
          </strong>
          {failed.map((f) => (
            <span key={f.stem.id}>
              {f.stem.name}: {f.error}
            </span>
          ))}
          <span className="banner-hint">The other stems play normally.</span>
        </div>
      )}

      <RecallBanner runtime={runtime} snap={snap} />

      <div className="app-body">
      <div className="app-main">
      <Arrange
        runtime={runtime}
        snap={snap}
        loads={loads}
        colorOf={colorOf}
        onEditStem={canUpload ? setEditing : undefined}
        commentStrip={
          review && (
            <ReviewTimelineStrip
              review={review}
              runtime={runtime}
              duration={snap.duration}
              userId={devUser.userId}
              onDraft={setDraft}
              onOpen={(c) => runtime.seek(c.atSec)}
            />
          )
        }
      />

      {showShortcuts && <ShortcutsDialog onClose={closeShortcuts} />}
      {showMembers && <MembersPanel sessionId={session.id} onClose={() => setShowMembers(false)} />}
      {editingChannel && canUpload && (
        <StemPanel
          key={editingChannel.id}
          sessionId={session.id}
          channelId={editingChannel.id}
          stemId={editingChannel.stemId}
          name={editingChannel.name}
          uploads={uploads}
          onClose={() => setEditing(null)}
        />
      )}

      {readOnly && (
        <div className="banner-info" role="note" data-testid="read-only-hint">
          You joined as <strong>{session.role}</strong>: you can listen and follow the mix live, but not change it. Ask the
          session owner for another role to mix.
        </div>
      )}

      <section className={`console ${readOnly ? 'read-only' : ''}`} aria-label="Mixer" inert={readOnly} data-read-only={readOnly}>
        <div className="console-strips">
          {snap.mix.channels.map((ch) => (
            <ChannelStrip
              key={ch.id}
              channel={ch}
              load={loads.get(ch.stemId)}
              color={colorOf.get(ch.stemId) ?? '#888'}
              runtime={runtime}
              held={held}
              onHold={onHold}
              selected={isSelected({ kind: 'channel', channelId: ch.id })}
              onSelect={onSelect}
            />
          ))}
          {snap.synced && snap.mix.channels.length === 0 && <div className="console-empty">This session has no channels yet.</div>}
          {!snap.synced && snap.mix.channels.length === 0 && <div className="console-empty">Connecting to the mix…</div>}
        </div>
        <div className="console-returns">
          {(['reverb', 'delay'] as const).map((bus) => (
            <FxReturnStrip key={bus} bus={bus} mix={snap.mix} runtime={runtime} held={held} onHold={onHold} selected={isSelected({ kind: 'fx', bus })} onSelect={onSelect} />
          ))}
        </div>
        <MasterStrip mix={snap.mix} runtime={runtime} held={held} onHold={onHold} selected={isSelected({ kind: 'master' })} onSelect={onSelect} />
        <LoudnessPanel runtime={runtime} targetId={snap.mix.deliveryTarget} readOnly={readOnly} />
      </section>
      <DetailPanel selection={selection} mix={snap.mix} onClose={() => setSelection(null)} />
      </div>
      {review && reviewOpen && (
        <div id="review-column" className="review-column">
          <ReviewPanel review={review} runtime={runtime} user={devUser} draft={draft} setDraft={setDraft} />
        </div>
      )}
      </div>
    </div>
    </MixContext.Provider>
  );
}

const REVIEW_OPEN_KEY = 'mixroom.reviewOpen';

/** Whether the review column is shown; remembered per browser, open until someone hides it. */
function useReviewOpen(): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(true);
  useEffect(() => {
    if (window.localStorage.getItem(REVIEW_OPEN_KEY) === 'false') setOpen(false);
  }, []);
  const set = useCallback((next: boolean) => {
    setOpen(next);
    window.localStorage.setItem(REVIEW_OPEN_KEY, String(next));
  }, []);
  return [open, set];
}

function loadingText(stems: StemLoad[]): { text: string; pct: number; done: boolean } {
  const total = stems.reduce((a, s) => a + s.totalBytes, 0) || 1;
  const loaded = stems.reduce((a, s) => a + (s.status === 'ready' || s.status === 'error' ? s.totalBytes : Math.min(s.loadedBytes, s.totalBytes)), 0);
  const ready = stems.filter((s) => s.status === 'ready').length;
  const failed = stems.filter((s) => s.status === 'error').length;
  const pct = Math.round((loaded / total) * 100);
  if (ready + failed < stems.length) return { text: `Loading ${ready}/${stems.length} stems… ${pct}%`, pct, done: false };
  if (failed > 0) return { text: `${ready} of ${stems.length} stems ready · ${failed} failed`, pct: 100, done: true };
  return { text: `${ready} stems ready`, pct: 100, done: true };
}

const NO_TOGETHER: TogetherSnapshot = { enabled: false, lastAction: null, clockReady: false, offsetMs: 0, uncertaintyMs: Infinity, error: null };
const ACTION_VERB = { play: 'started playback', pause: 'paused', stop: 'stopped', seek: 'jumped', loop: 'changed the loop' } as const;

/** ↶ ↷ for this person's own mix moves, named after what they would change ("Undo Bass Fader"). */
function UndoButtons({ runtime, readOnly }: { runtime: SessionRuntime; readOnly: boolean }) {
  const h = useSyncExternalStore(runtime.history.subscribe, runtime.history.getSnapshot, runtime.history.getSnapshot);
  const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
  const mod = mac ? '⌘' : 'Ctrl+';
  const undoWhat = describeParamKeys(h.undoKeys, runtime.model);
  const redoWhat = describeParamKeys(h.redoKeys, runtime.model);
  return (
    <div className="undo-buttons">
      <button
        type="button" className="tbtn" data-testid="undo" disabled={readOnly || !h.canUndo} onClick={() => runtime.history.undo()}
        title={h.canUndo ? `Undo ${undoWhat} (${mod}Z) — only your own moves` : 'Nothing of yours to undo'}
        aria-label={h.canUndo ? `Undo ${undoWhat}` : 'Undo'}
      >
        <svg viewBox="0 0 16 16" aria-hidden><path d="M6 3 2.5 6.5 6 10M3 6.5h6.5a3.5 3.5 0 0 1 0 7H7" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" /></svg>
      </button>
      <button
        type="button" className="tbtn" data-testid="redo" disabled={readOnly || !h.canRedo} onClick={() => runtime.history.redo()}
        title={h.canRedo ? `Redo ${redoWhat} (${mod}${mac ? '⇧Z' : 'Y'})` : 'Nothing to redo'}
        aria-label={h.canRedo ? `Redo ${redoWhat}` : 'Redo'}
      >
        <svg viewBox="0 0 16 16" aria-hidden><path d="M10 3l3.5 3.5L10 10M13 6.5H6.5a3.5 3.5 0 0 0 0 7H9" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" /></svg>
      </button>
    </div>
  );
}

function TransportBar({ runtime, snap, together, readOnly }: { runtime: SessionRuntime; snap: RuntimeSnapshot; together: TogetherClient | null; readOnly: boolean }) {
  const group = useSyncExternalStore(together?.subscribe ?? noopSubscribe, together?.getSnapshot ?? (() => NO_TOGETHER), () => NO_TOGETHER);
  const posRef = useRef<HTMLSpanElement>(null);
  useFrame(() => {
    if (posRef.current) posRef.current.textContent = formatTime(runtime.tick());
  });
  const playing = snap.transportState === 'started';
  const loading = loadingText(snap.stems);
  const canPlay = snap.audioReady && snap.stems.some((s) => s.status === 'ready');

  return (
    <section className="transport" aria-label="Transport">
      <UndoButtons runtime={runtime} readOnly={readOnly} />
      <div className="transport-buttons">
        <button type="button" className="tbtn" data-testid="stop" title="Stop (return to start)" onClick={() => runtime.stop()} disabled={!snap.audioReady}>
          <svg viewBox="0 0 16 16" aria-hidden>
            <rect x="3" y="3" width="10" height="10" rx="1" />
          </svg>
          <span className="sr-only">Stop</span>
        </button>
        {playing ? (
          <button type="button" className="tbtn play on" data-testid="pause" title="Pause (Space)" onClick={() => runtime.pause()}>
            <svg viewBox="0 0 16 16" aria-hidden>
              <rect x="3.5" y="2.5" width="3" height="11" rx="0.5" />
              <rect x="9.5" y="2.5" width="3" height="11" rx="0.5" />
            </svg>
            <span className="sr-only">Pause</span>
          </button>
        ) : (
          <button type="button" className="tbtn play" data-testid="play" title="Play (Space)" onClick={() => void runtime.play()} disabled={!canPlay}>
            <svg viewBox="0 0 16 16" aria-hidden>
              <path d="M4 2.5v11l9.5-5.5z" />
            </svg>
            <span className="sr-only">Play</span>
          </button>
        )}
        <button
          type="button"
          className={`tbtn loop ${snap.loop ? 'on' : ''}`}
          data-testid="loop"
          aria-pressed={snap.loop}
          title="Loop the whole song"
          onClick={() => runtime.setLoop(!snap.loop)}
          disabled={!snap.audioReady}
        >
          <svg viewBox="0 0 16 16" aria-hidden>
            <path d="M4 5h7a3 3 0 0 1 0 6H9v-1.6h2a1.4 1.4 0 0 0 0-2.8H4v1.9L1.5 6.25 4 3.1zM12 11H5a3 3 0 0 1 0-6h2v1.6H5a1.4 1.4 0 0 0 0 2.8h7V7.5l2.5 2.25L12 12.9z" />
          </svg>
          <span className="sr-only">Loop</span>
        </button>
      </div>
      <div className="lcd" aria-label="Position">
        <span ref={posRef} data-testid="position">
          0:00.0
        </span>
        <span className="lcd-dim"> / {formatTime(snap.duration)}</span>
      </div>
      <div className="transport-state" data-testid="transport-state">
        {playing ? 'PLAYING' : snap.transportState === 'paused' ? 'PAUSED' : 'STOPPED'}
        {snap.loop ? ' · LOOP' : ''}
      </div>
      <div className="together">
        <button
          type="button"
          className={`tbtn together-toggle ${group.enabled ? 'on' : ''}`}
          data-testid="together"
          aria-pressed={group.enabled}
          disabled={!together}
          title="Listen together: play, pause, seek and loop apply to everyone who has this on"
          onClick={async () => {
            await runtime.Tone?.start(); // the click is the gesture that lets audio start later
            await together?.setEnabled(!group.enabled);
          }}
        >
          Listen together
        </button>
        <span className="together-info" data-testid="together-last">
          {group.error
            ? group.error
            : group.lastAction
              ? `${group.lastAction.by} ${ACTION_VERB[group.lastAction.kind]} ${group.lastAction.kind === 'seek' ? 'to' : 'at'} ${formatTime(group.lastAction.position)}`
              : group.enabled
                ? group.clockReady
                  ? `in sync (±${Math.max(1, Math.round(group.uncertaintyMs))} ms)`
                  : 'syncing clocks…'
                : ''}
        </span>
      </div>
      <div className={`loading ${loading.done ? 'done' : ''}`} data-testid="loading-status" role="status">
        <span>{loading.text}</span>
        {!loading.done && (
          <span className="progress">
            <i style={{ width: `${loading.pct}%` }} />
          </span>
        )}
      </div>
    </section>
  );
}

function Arrange({
  runtime,
  snap,
  loads,
  colorOf,
  commentStrip,
  onEditStem,
}: {
  runtime: SessionRuntime;
  snap: RuntimeSnapshot;
  loads: ReadonlyMap<string, StemLoad>;
  colorOf: ReadonlyMap<string, string>;
  /** Opens a channel's stem panel; absent for roles without `stems.manage`. */
  onEditStem?: (channelId: string) => void;
  /** The review loop's comment markers, drawn under the ruler on the same time axis. */
  commentStrip?: React.ReactNode;
}) {
  const playheadRef = useRef<HTMLDivElement>(null);
  const areaRef = useRef<HTMLDivElement>(null);
  const duration = snap.duration;

  useFrame(() => {
    const el = playheadRef.current;
    if (!el || !duration) return;
    const pos = runtime.transport?.position ?? 0;
    el.style.left = `${Math.min(1, pos / duration) * 100}%`;
  });

  const seek = (clientX: number) => {
    const rect = areaRef.current!.getBoundingClientRect();
    runtime.seek(((clientX - rect.left) / rect.width) * duration);
  };

  const ticks = useMemo(() => {
    if (!duration) return [];
    const step = duration > 240 ? 30 : duration > 90 ? 15 : duration > 30 ? 10 : 5;
    const out: number[] = [];
    for (let t = 0; t <= duration; t += step) out.push(t);
    return out;
  }, [duration]);

  // Lanes follow the mix's channel order; stems not (yet) in the doc are still shown.
  const order = snap.mix.channels.map((c) => c.stemId);
  const channelOf = new Map(snap.mix.channels.map((c) => [c.stemId, c]));
  // Once synced, a stem whose channel was removed (or replaced by a newer take) has no lane.
  const stems = [...snap.stems]
    .filter((s) => !snap.synced || channelOf.has(s.stem.id))
    .sort((a, b) => rank(order, a.stem.id) - rank(order, b.stem.id));

  return (
    <section className="arrange" aria-label="Tracks">
      <div className="lane-heads">
        <div className="ruler-spacer" />
        {commentStrip && <div className="comment-lane-head">Comments</div>}
        {stems.map((s) => (
          <div key={s.stem.id} className="lane-head" style={{ '--lane-color': colorOf.get(s.stem.id) } as React.CSSProperties}>
            <span className="lane-dot" />
            <span className="lane-name" data-testid={`lane-name-${slug(channelOf.get(s.stem.id)?.name ?? s.stem.name)}`}>{channelOf.get(s.stem.id)?.name ?? s.stem.name}</span>
            {onEditStem && channelOf.has(s.stem.id) && (
              <button
                type="button"
                className="lane-edit"
                title="Rename, replace with a new take, take history, remove"
                aria-label={`Edit stem ${channelOf.get(s.stem.id)!.name}`}
                data-testid={`stem-edit-${slug(channelOf.get(s.stem.id)!.name)}`}
                onClick={() => onEditStem(channelOf.get(s.stem.id)!.id)}
              >
                ⋯
              </button>
            )}
          </div>
        ))}
      </div>
      <div
        className="lanes"
        ref={areaRef}
        data-testid="timeline"
        title="Click to move the playhead"
        onPointerDown={(e) => {
          if (e.button === 0 && duration > 0) seek(e.clientX);
        }}
      >
        <div className="ruler">
          {ticks.map((t) => (
            <span key={t} style={{ left: `${(t / duration) * 100}%` }}>
              {formatTime(t).replace(/\.\d$/, '')}
            </span>
          ))}
        </div>
        {commentStrip}
        {stems.map((s) => (
          <Lane
            key={s.stem.id}
            load={s}
            runtime={runtime}
            duration={duration}
            color={colorOf.get(s.stem.id) ?? '#888'}
            dimmed={channelOf.get(s.stem.id)?.audible === false}
            name={channelOf.get(s.stem.id)?.name ?? s.stem.name}
          />
        ))}
        <div className="playhead" ref={playheadRef} data-testid="playhead" />
      </div>
    </section>
  );
}

function rank(order: string[], id: string): number {
  const i = order.indexOf(id);
  return i < 0 ? 1e6 : i;
}

function Lane({
  load,
  runtime,
  duration,
  color,
  dimmed,
  name,
}: {
  load: StemLoad;
  runtime: SessionRuntime;
  duration: number;
  color: string;
  dimmed: boolean;
  name: string;
}) {
  const [peaks, setPeaks] = useState<Peaks | null>(null);
  const [peaksFailed, setPeaksFailed] = useState(false);
  const peaksUrl = load.stem.peaksUrl;
  useEffect(() => {
    if (!peaksUrl) return;
    const ac = new AbortController();
    fetchPeaks(peaksUrl, ac.signal).then(setPeaks, (e: unknown) => {
      if (ac.signal.aborted) return;
      console.warn(`[mixroom] no stored waveform for ${load.stem.name}, drawing it from the audio:`, e);
      setPeaksFailed(true);
    });
    return () => ac.abort();
  }, [peaksUrl, load.stem.name]);

  const ready = load.status === 'ready';
  useEffect(() => {
    if ((peaksUrl && !peaksFailed) || !ready) return;
    const buffer = runtime.getBuffer(load.stem.id);
    if (buffer) setPeaks(peaksFromBuffer(buffer));
  }, [peaksUrl, peaksFailed, ready, runtime, load.stem.id]);

  const id = slug(name);
  return (
    <div className={`lane ${load.status === 'error' ? 'error' : ''}`} data-testid={`lane-${id}`}>
      {load.status === 'error' ? (
        <div className="lane-error" data-testid={`stem-error-${id}`} role="alert">
          <svg viewBox="0 0 16 16" aria-hidden>
            <path d="M8 1.5 15 14H1zM7.25 6v4h1.5V6zm0 5.25v1.5h1.5v-1.5z" />
          </svg>
          {load.error}
        </div>
      ) : (
        <>
          <Waveform peaks={peaks} songDuration={duration} color={color} dimmed={dimmed} />
          {load.status !== 'ready' && (
            <div className="lane-loading">
              <span>{load.status === 'decoding' ? 'Decoding…' : `Loading… ${Math.round((Math.min(load.loadedBytes, load.totalBytes) / load.totalBytes) * 100)}%`}</span>
            </div>
          )}
        </>
      )}
    </div>
  );
}
