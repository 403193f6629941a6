'use client';
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { can, type GetSessionResponse, type Presence } from '@mixroom/protocol';
import type { ParamScope } from '@mixroom/engine';
import { channelColor, inConsoleOrder } from '../../lib/channel-order';
import type { Identity } from '../../lib/identity';
import type { PresenceClient, PresenceSnapshot } from '../../lib/presence';
import { ReviewClient } from '../../lib/review';
import type { SessionRuntime } from '../../lib/session-runtime';
import { TogetherClient } from '../../lib/together';
import { UploadQueue } from '../../lib/uploads';
import { DetailPanel, type Selection } from '../DetailPanel';
import { MembersPanel } from '../MembersPanel';
import { MixContext } from '../mix-context';
import { RecallBanner, ReviewPanel, ReviewTimelineStrip, type ReviewUser } from '../review/ReviewPanel';
import type { Draft } from '../review/CommentLane';
import { ShortcutsDialog } from '../ShortcutsDialog';
import { StemPanel } from '../StemPanel';
import { useDropFiles } from '../StemUploader';
import { ArrangeView } from './ArrangeView';
import { MixerView } from './MixerView';
import { ResizeHandle, useMediaQuery, usePersistentState } from './panes';
import { TopBar } from './TopBar';
import { TalkControls } from '../talk/TalkControls';
import { useTalk } from '../talk/use-talk';
import { useVoiceNotes } from '../review/use-voice-notes';
import { TransportBar } from './TransportBar';
import { useMasterDrift } from './use-master-drift';
import { useRuntimeSnapshot } from './use-runtime-snapshot';
import { useSessionShortcuts } from './use-shortcuts';
import { StemErrors, ViewSwitch, type View } from './WorkspaceBits';

const LANE_COLORS = ['#f5a524', '#5b9cf5', '#4cc38a', '#e5484d', '#b18cf5', '#3dd6d0', '#f57ad0', '#c2d94c'];
const EMPTY_PRESENCE: PresenceSnapshot = { selfId: null, connected: false, peers: new Map() };
const noopSubscribe = () => () => {};

/**
 * The session once everything is connected: header, transport, and the work area. On a
 * desktop the work area is the arrange view, the mixer, or both stacked, with the detail pane
 * docked under them and the review column on the right; each pane scrolls itself, so the page
 * never does. On a phone (≤ 600 px) it is a review screen: listen, comment, compare, approve.
 */
export function SessionWorkspace({ session, runtime, presence, identity, onEditIdentity, devUser }: {
  session: GetSessionResponse;
  runtime: SessionRuntime;
  presence: PresenceClient | null;
  identity: Identity;
  onEditIdentity: () => void;
  devUser: ReviewUser;
}) {
  const snap = useRuntimeSnapshot(runtime);
  const pres = useSyncExternalStore(presence?.subscribe ?? noopSubscribe, presence?.getSnapshot ?? (() => EMPTY_PRESENCE), () => EMPTY_PRESENCE);
  const phone = useMediaQuery('(max-width: 600px)');

  const held = useMemo(() => {
    const m = new Map<string, Presence>();
    for (const p of pres.peers.values()) if (p.control) m.set(p.control, p);
    return m;
  }, [pres.peers]);
  const onHold = useCallback(
    (control: string, held: boolean) => {
      presence?.hold(control, held);
      // Letting go ends the gesture (one drag is one undo step) and a Touch take.
      runtime.holdControl(control, held);
    },
    [presence, runtime],
  );
  const [selection, setSelection] = useState<Selection>(null);
  const isSelected = (scope: ParamScope) =>
    selection !== null &&
    selection.kind === scope.kind &&
    (scope.kind !== 'channel' || (selection.kind === 'channel' && selection.channelId === scope.channelId)) &&
    (scope.kind !== 'fx' || (selection.kind === 'fx' && selection.bus === scope.bus));
  const onSelect = useCallback((scope: ParamScope) => setSelection((cur) => (cur && JSON.stringify(cur) === JSON.stringify(scope) ? null : scope)), []);

  const loads = useMemo(() => new Map(snap.stems.map((s) => [s.stem.id, s])), [snap.stems]);
  // A recalled mix (a comment's or a version's) is what plays, so it is what the console shows,
  // read-only; the live mix keeps syncing underneath and comes back with "Back to live mix".
  const shownSnap = useMemo(() => (snap.recalled ? { ...snap, mix: snap.recalled.state } : snap), [snap]);
  const channels = useMemo(() => inConsoleOrder(shownSnap.mix.channels), [shownSnap.mix.channels]);
  // By stem: a chosen channel colour, else the lane colour of the stem's upload position.
  const colorOf = useMemo(() => {
    const m = new Map<string, string>();
    snap.stems.forEach((s, i) => m.set(s.stem.id, LANE_COLORS[i % LANE_COLORS.length]));
    for (const ch of snap.mix.channels) if (ch.color) m.set(ch.stemId, channelColor(ch, ''));
    return m;
  }, [snap.stems, snap.mix.channels]);
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
  const drift = useMasterDrift(runtime, review, snap.mix.deliveryTarget, can(session.role, 'mix.edit'));
  const mixContext = useMemo(() => ({ runtime, held, onHold, drift }), [runtime, held, onHold, drift]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [showShortcuts, setShowShortcuts] = useState(false);
  const closeShortcuts = useCallback(() => setShowShortcuts(false), []);
  const openShortcuts = useCallback(() => setShowShortcuts(true), []);
  useSessionShortcuts(runtime, session.role, setDraft, openShortcuts);

  const loadingDone = snap.stems.every((s) => s.status === 'ready' || s.status === 'error');
  const [showMembers, setShowMembers] = useState(false);
  const [reviewOpen, setReviewOpen] = usePersistentState<boolean>('mixroom.reviewOpen', true);
  const [reviewWidth, setReviewWidth] = usePersistentState<number>('mixroom.reviewWidth', 320);
  const [detailHeight, setDetailHeight] = usePersistentState<number>('mixroom.detailHeight', 230);
  const [view, setView] = usePersistentState<View>('mixroom.view', 'both');
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
  const voiceNotes = useVoiceNotes(review, runtime);
  const talk = useTalk(presence, runtime, voiceNotes.player);
  const talking = useMemo(() => new Set(talk.snap.peers.filter((p) => p.talking).map((p) => p.peerId)), [talk.snap.peers]);

  const arrange = (
    <ArrangeView
      runtime={runtime}
      snap={snap}
      channels={channels}
      loads={loads}
      colorOf={colorOf}
      onEditStem={canUpload && !phone ? setEditing : undefined}
      commentStrip={review && <ReviewTimelineStrip review={review} runtime={runtime} duration={snap.duration} userId={devUser.userId} onDraft={setDraft} onOpen={(c) => runtime.seek(c.atSec)} recorder={voiceNotes.recorder} />}
    />
  );
  const reviewPanel = review && <ReviewPanel review={review} runtime={runtime} user={devUser} draft={draft} setDraft={setDraft} voicePlayer={voiceNotes.player} />;

  return (
    <MixContext.Provider value={mixContext}>
      <div
        className={`app${dragging ? ' drop-target' : ''}${phone ? ' phone' : ''} view-${phone ? 'phone' : view}`}
        data-testid="mixer"
        data-stems-state={loadingDone ? 'done' : 'loading'}
        data-synced={snap.synced}
        data-view={phone ? 'phone' : view}
      >
        {dragging && <div className="drop-overlay" data-testid="drop-overlay">Drop audio files to add them as channels</div>}
        <TopBar
          session={session} snap={snap} runtime={runtime} pres={pres} identity={identity} onEditIdentity={onEditIdentity}
          uploads={uploads} canUpload={canUpload && !phone} hasReview={!!review && !phone} reviewOpen={reviewOpen} setReviewOpen={setReviewOpen}
          onShortcuts={openShortcuts} onMembers={() => setShowMembers((v) => !v)} loadingDone={loadingDone}
          talk={!phone && <TalkControls talk={talk.talk} ducker={talk.ducker} snap={talk.snap} />} talking={talking}
        />
        <TransportBar runtime={runtime} snap={snap} together={together} readOnly={readOnly} uploads={uploads}>
          {!phone && <ViewSwitch view={view} onChange={setView} />}
        </TransportBar>
        <div className="app-notices">
          <StemErrors stems={snap.stems} />
          <RecallBanner runtime={runtime} snap={snap} />
          {readOnly && !phone && (
            <div className="banner-info" role="note" data-testid="read-only-hint">
              You joined as <strong>{session.role}</strong>: you can listen and follow the mix live, but not change it. Ask the
              session owner for another role to mix.
            </div>
          )}
        </div>

        {phone ? (
          <div className="phone-body">
            {/* Talkback on the phone: a row of its own under the transport, thumb-sized (the header has no room). */}
            <div className="phone-talk" data-testid="phone-talk">
              <TalkControls talk={talk.talk} ducker={talk.ducker} snap={talk.snap} />
            </div>
            {arrange}
            {review && (
              <button type="button" className="phone-comment" data-testid="comment-here" onClick={() => setDraft({ atSec: runtime.transport?.position ?? 0, endSec: null })}>
                Comment at the playhead
              </button>
            )}
            {reviewPanel}
          </div>
        ) : (
          <div className="app-body">
            <div className="app-main">
              {view !== 'mixer' && arrange}
              {view !== 'arrange' && (
                <MixerView
                  snap={shownSnap} runtime={runtime} channels={channels} loads={loads} colorOf={colorOf} held={held} onHold={onHold}
                  readOnly={readOnly || !!snap.recalled} isSelected={isSelected} onSelect={onSelect}
                />
              )}
              {view !== 'arrange' && (
                <div className={`detail-dock ${selection ? 'open' : ''}`} style={selection ? { height: detailHeight } : undefined}>
                  {selection && <ResizeHandle axis="y" size={detailHeight} min={120} max={720} sign={-1} onResize={setDetailHeight} label="Resize the detail pane" testId="detail-resize" />}
                  <DetailPanel selection={selection} mix={shownSnap.mix} onClose={() => setSelection(null)} />
                </div>
              )}
            </div>
            {review && reviewOpen && (
              <div id="review-column" className="review-column" style={{ width: reviewWidth }}>
                <ResizeHandle axis="x" size={reviewWidth} min={260} max={720} sign={-1} onResize={setReviewWidth} label="Resize the review column" testId="review-resize" />
                {reviewPanel}
              </div>
            )}
          </div>
        )}

        {showShortcuts && <ShortcutsDialog onClose={closeShortcuts} />}
        {showMembers && <MembersPanel sessionId={session.id} onClose={() => setShowMembers(false)} />}
        {editingChannel && canUpload && (
          <StemPanel key={editingChannel.id} sessionId={session.id} channelId={editingChannel.id} stemId={editingChannel.stemId} name={editingChannel.name} uploads={uploads} onClose={() => setEditing(null)} />
        )}
      </div>
    </MixContext.Provider>
  );
}
