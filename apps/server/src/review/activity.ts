// The session's activity log: one function every feature records through (reviews here;
// uploads and role changes from other modules), which also feeds live updates and notifications.
import type { ActivityInfo, ActivityKind } from '@mixroom/protocol';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { ReviewBroadcaster } from './broadcast.js';

type Db = PrismaClient | Prisma.TransactionClient;

export interface ActivityInput {
  sessionId: string;
  actor: { userId: string; name: string };
  kind: ActivityKind;
  payload?: Record<string, unknown>;
}

interface ActivityRow { id: bigint; sessionId: string; actorId: string; actorName: string; kind: string; payload: unknown; at: Date }

const excerpt = (s: unknown) => {
  const t = typeof s === 'string' ? s.replace(/\s+/g, ' ').trim() : '';
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
};
const clock = (sec: unknown) => {
  const s = typeof sec === 'number' && Number.isFinite(sec) ? sec : 0;
  return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
};

/** The sentence shown in the activity panel and notifications. */
export function describeActivity(kind: string, actorName: string, p: Record<string, unknown>): string {
  const v = `v${String(p.number ?? '?')}`;
  switch (kind) {
    case 'comment.created': return `${actorName} commented at ${clock(p.atSec)}: “${excerpt(p.excerpt)}”`;
    case 'comment.replied': return `${actorName} replied at ${clock(p.atSec)}: “${excerpt(p.excerpt)}”`;
    case 'comment.edited': return `${actorName} edited a comment at ${clock(p.atSec)}`;
    case 'comment.deleted': return `${actorName} deleted a comment at ${clock(p.atSec)}`;
    case 'comment.resolved': return `${actorName} resolved “${excerpt(p.excerpt)}”`;
    case 'comment.reopened': return `${actorName} reopened “${excerpt(p.excerpt)}”`;
    case 'version.created': return `${actorName} ${p.source === 'bounce' ? 'bounced' : 'uploaded'} ${v}`;
    case 'version.edited': return `${actorName} edited the notes of ${v}`;
    case 'version.deleted': return `${actorName} deleted ${v}`;
    case 'version.approved': return `${actorName} approved ${v}`;
    case 'version.changes_requested': return `${actorName} requested changes on ${v}: “${excerpt(p.comment)}”`;
    case 'settings.changed': return `${actorName} turned “deliver only approved” ${p.deliverOnlyApproved ? 'on' : 'off'}`;
    case 'stem.uploaded': return `${actorName} uploaded stem ${String(p.name ?? '')}`.trim();
    case 'reference.added': return `${actorName} added reference “${excerpt(p.name)}”`;
    case 'reference.deleted': return `${actorName} removed reference “${excerpt(p.name)}”`;
    case 'member.role_changed': return `${actorName} made ${String(p.name ?? 'someone')} ${String(p.role ?? '')}`.trim();
    default: return `${actorName}: ${kind}`;
  }
}

export function toActivityInfo(row: ActivityRow): ActivityInfo {
  const payload = (row.payload && typeof row.payload === 'object' ? row.payload : {}) as Record<string, unknown>;
  return {
    id: row.id.toString(),
    sessionId: row.sessionId,
    actorId: row.actorId,
    actorName: row.actorName,
    kind: row.kind as ActivityKind,
    payload,
    at: row.at.toISOString(),
    text: describeActivity(row.kind, row.actorName, payload),
  };
}

/**
 * Appends to the activity log. Pass the transaction client when the event belongs to a
 * change being committed, so the log never records something that was rolled back; then
 * `announce` it after the commit.
 */
export async function recordActivity(db: Db, input: ActivityInput): Promise<ActivityInfo> {
  const row = await db.activityEvent.create({
    data: {
      sessionId: input.sessionId,
      actorId: input.actor.userId,
      actorName: input.actor.name,
      kind: input.kind,
      payload: (input.payload ?? {}) as Prisma.InputJsonValue,
    },
  });
  return toActivityInfo(row);
}

/** Live fan-out of recorded events to the session (the notification feed of the others). */
export function announce(broadcaster: ReviewBroadcaster, events: ActivityInfo | ActivityInfo[]): void {
  for (const e of Array.isArray(events) ? events : [events]) broadcaster.activity(e.sessionId, e);
}
