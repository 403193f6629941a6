// Who may do what in a session. One table, read by the server (enforcement on every REST
// route, socket.io event, Yjs connection and download) and by the web app (which controls to
// show or disable), so the two cannot disagree.
import { z } from 'zod';

export const ROLES = ['owner', 'engineer', 'artist', 'viewer'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const CAPABILITIES = {
  /** Open the session: read the mix document, stream stems and versions, see presence. */
  'session.view': ['owner', 'engineer', 'artist', 'viewer'],
  /** Write to the mix document (faders, plugins, sends, delivery target). */
  'mix.edit': ['owner', 'engineer', 'artist'],
  /** Drive the shared "listen together" transport. */
  'transport.control': ['owner', 'engineer', 'artist', 'viewer'],
  /** Upload, replace, rename and remove stems. */
  'stems.manage': ['owner', 'engineer'],
  /** Bounce or upload master versions and edit their notes. */
  'versions.create': ['owner', 'engineer'],
  /** Comment, reply, resolve/reopen; edit and delete one's own comments. */
  'comments.write': ['owner', 'engineer', 'artist', 'viewer'],
  /** Edit or delete anyone's comment. */
  'comments.moderate': ['owner'],
  /** Approve a version or request changes (see the approval rules in docs/review.md). */
  'versions.approve': ['owner', 'artist'],
  /** Upload and remove reference tracks (everyone with `session.view` may listen to them). */
  'references.manage': ['owner', 'engineer', 'artist'],
  /** Session settings such as "deliver only approved". */
  'session.settings': ['owner', 'engineer'],
  /** Invite links, role changes, removing members. */
  'members.manage': ['owner'],
  /** Delete the whole session. */
  'session.delete': ['owner'],
  /** Send one's voice in the session's talkback (everyone with `session.view` may listen). */
  talk: ['owner', 'engineer', 'artist'],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITIES;
export const CAPABILITY_NAMES = Object.keys(CAPABILITIES) as Capability[];

export function can(role: Role | null | undefined, capability: Capability): boolean {
  return !!role && (CAPABILITIES[capability] as readonly Role[]).includes(role);
}

/** The role matrix in docs/access.md, generated from CAPABILITIES (a test keeps the doc in step). */
export function roleMatrixMarkdown(): string {
  const header = `| capability | ${ROLES.join(' | ')} |`;
  const rule = `|---|${ROLES.map(() => ':-:').join('|')}|`;
  const rows = CAPABILITY_NAMES.map((cap) => `| \`${cap}\` | ${ROLES.map((r) => (can(r, cap) ? '✓' : '–')).join(' | ')} |`);
  return [header, rule, ...rows].join('\n');
}
