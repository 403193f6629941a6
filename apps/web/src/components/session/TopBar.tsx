'use client';
import type { ReactNode } from 'react';
import { can, type GetSessionResponse } from '@mixroom/protocol';
import { slug } from '../../lib/format';
import { initials, type Identity } from '../../lib/identity';
import type { PresenceSnapshot } from '../../lib/presence';
import type { RuntimeSnapshot, SessionRuntime } from '../../lib/session-runtime';
import type { UploadQueue } from '../../lib/uploads';
import { AccountBar } from '../AccountBar';
import { BouncePanel } from '../BouncePanel';
import { PlaybackHealth } from '../PlaybackHealth';
import { Brand } from '../Brand';
import { UploadButton } from '../StemUploader';

/** The session's header: title, account, panels to open, sync state and who is here. */
export function TopBar({ session, snap, runtime, pres, identity, onEditIdentity, uploads, canUpload, hasReview, reviewOpen, setReviewOpen, onShortcuts, onMembers, loadingDone, talk, talking }: {
  session: GetSessionResponse;
  snap: RuntimeSnapshot;
  runtime: SessionRuntime;
  pres: PresenceSnapshot;
  identity: Identity;
  onEditIdentity: () => void;
  uploads: UploadQueue;
  canUpload: boolean;
  hasReview: boolean;
  reviewOpen: boolean;
  setReviewOpen: (open: boolean) => void;
  onShortcuts: () => void;
  onMembers: () => void;
  loadingDone: boolean;
  /** The talkback controls, and who is talking now (peer ids). */
  talk?: ReactNode;
  talking?: ReadonlySet<string>;
}) {
  return (
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
          <button type="button" className="link-button" onClick={onShortcuts} title="Keyboard and mouse shortcuts (?)" data-testid="shortcuts-button">
            Shortcuts
          </button>
          {can(session.role, 'members.manage') && (
            <button type="button" className="link-button" onClick={onMembers} data-testid="members-button">
              Members
            </button>
          )}
          {canUpload && <UploadButton queue={uploads} />}
          {hasReview && (
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
          {talk}
          <div className="avatars" data-testid="avatars">
            {[...pres.peers.values()].map((p) => (
              <span
                key={p.peerId}
                className={`avatar${talking?.has(p.peerId) ? ' talking' : ''}`}
                role="img"
                aria-label={talking?.has(p.peerId) ? `${p.name} is talking` : p.name}
                style={{ background: p.color }}
                title={`${p.name}${talking?.has(p.peerId) ? ' is talking' : ''}${p.control ? ' (adjusting)' : ''}${p.loading ? ' — loading stems' : ''}${p.together ? ' — listening together' : ''}`}
                data-testid={`avatar-${slug(p.name)}`}
                data-name={p.name}
                data-together={p.together}
                data-loading={p.loading}
                data-talking={talking?.has(p.peerId) ?? false}
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
              aria-label={`You are ${identity.name}: change your name or colour`}
              onClick={onEditIdentity}
            >
              {initials(identity.name)}
            </button>
          </div>
        </div>
      </header>
  );
}
