'use client';
import { useCallback, useEffect, useState } from 'react';
import { ROLES, type InviteInfo, type MemberInfo, type Role } from '@mixroom/protocol';
import { changeRole, createInvite, listInvites, listMembers, removeMember, revokeInvite } from '../lib/api';

/** Owner-only: who is in the session, their roles, and invite links. */
export function MembersPanel({ sessionId, onClose }: { sessionId: string; onClose: () => void }) {
  const [members, setMembers] = useState<MemberInfo[]>([]);
  const [invites, setInvites] = useState<InviteInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [newLink, setNewLink] = useState<string | null>(null);
  const [role, setRole] = useState<Role>('artist');
  const [hours, setHours] = useState(168);
  const [uses, setUses] = useState(1);

  const reload = useCallback(async () => {
    const [m, i] = await Promise.all([listMembers(sessionId), listInvites(sessionId)]);
    setMembers(m.members);
    setInvites(i.invites);
  }, [sessionId]);
  const attempt = (fn: () => Promise<unknown>) =>
    void fn()
      .then(() => setError(null))
      .then(reload)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));

  useEffect(() => attempt(async () => {}), [reload]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <aside className="members-panel" data-testid="members-panel" aria-label="Members and invites">
      <header>
        <h2>Members</h2>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </header>
      {error && (
        <p className="error-text" role="alert" data-testid="members-error">
          {error}
        </p>
      )}
      <ul className="member-list">
        {members.map((m) => (
          <li key={m.userId} data-testid={`member-${m.email}`}>
            <span title={m.email}>{m.name}</span>
            <select value={m.role} aria-label={`Role of ${m.name}`} onChange={(e) => attempt(() => changeRole(sessionId, m.userId, e.target.value as Role))} data-testid="member-role">
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <button type="button" className="link-button" onClick={() => attempt(() => removeMember(sessionId, m.userId))} data-testid="member-remove">
              Remove
            </button>
          </li>
        ))}
      </ul>
      <h2>Invite links</h2>
      <form
        className="invite-form"
        onSubmit={(e) => {
          e.preventDefault();
          attempt(async () => {
            const created = await createInvite(sessionId, { role, expiresInHours: hours, maxUses: uses });
            setNewLink(`${window.location.origin}${created.path}`);
          });
        }}
      >
        <select value={role} onChange={(e) => setRole(e.target.value as Role)} aria-label="Role for the invite" data-testid="invite-role-select">
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <label>
          valid (h) <input type="number" min={1} max={720} value={hours} onChange={(e) => setHours(Number(e.target.value))} />
        </label>
        <label>
          uses <input type="number" min={1} max={100} value={uses} onChange={(e) => setUses(Number(e.target.value))} />
        </label>
        <button type="submit" className="btn-primary" data-testid="create-invite">
          Create link
        </button>
      </form>
      {newLink && (
        <p className="invite-link">
          Share this link (shown once): <input readOnly value={newLink} data-testid="invite-link" onFocus={(e) => e.target.select()} />
        </p>
      )}
      <ul className="invite-list">
        {invites.map((i) => (
          <li key={i.id} data-testid={`invite-${i.id}`}>
            {i.role} · {i.uses}/{i.maxUses} used · {i.status === 'active' ? `until ${new Date(i.expiresAt).toLocaleString()}` : i.status.replace('_', ' ')}
            {i.status === 'active' && (
              <button type="button" className="link-button" onClick={() => attempt(() => revokeInvite(sessionId, i.id))}>
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}
