// Accounts, membership and invite payloads. Every REST body is a strict zod object: unknown
// fields, wrong types and over-long strings are rejected with a 400 naming the field.
import { z } from 'zod';
import { Role } from './roles';

export const Email = z
  .string()
  .trim()
  .max(254, 'email must be at most 254 characters')
  .toLowerCase()
  .pipe(z.email('email is not a valid address'));
/** Long passphrases are welcome; the cap only bounds the work of hashing one request. */
export const Password = z.string().min(8, 'password must be at least 8 characters').max(256, 'password must be at most 256 characters');
export const DisplayName = z.string().trim().min(1, 'name must not be empty').max(60, 'name must be at most 60 characters');

export const SignUpBody = z.strictObject({ email: Email, name: DisplayName, password: Password });
export type SignUpBody = z.infer<typeof SignUpBody>;

export const SignInBody = z.strictObject({ email: Email, password: z.string().min(1).max(256) });
export type SignInBody = z.infer<typeof SignInBody>;

export const ChangeRoleBody = z.strictObject({ role: Role });
export type ChangeRoleBody = z.infer<typeof ChangeRoleBody>;

export const CreateInviteBody = z.strictObject({
  role: Role,
  /** Hours until the link stops working (1 hour to 30 days). */
  expiresInHours: z.number().int().min(1).max(720).default(168),
  /** How many people may join with the link. */
  maxUses: z.number().int().min(1).max(100).default(1),
});
export type CreateInviteBody = z.infer<typeof CreateInviteBody>;

/** Invite tokens are 32 random bytes, base64url. */
export const InviteToken = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'invalid invite token');

export interface UserInfo {
  id: string;
  email: string;
  name: string;
}

export interface MeResponse {
  user: UserInfo;
}

/** A sign-up answered 202 (SIGNUP_CONFIRM=email): the same for a new and a known address. */
export interface CheckEmailResponse {
  status: 'check-email';
  message: string;
}

export interface DemoAccount {
  email: string;
  password: string;
  name: string;
  role: Role;
}
/** Present only on a server that seeded the demo: the sign-in page offers one-click buttons. */
export interface DemoAccountsResponse {
  accounts: DemoAccount[];
}

export interface MemberInfo {
  userId: string;
  name: string;
  email: string;
  role: Role;
  joinedAt: string;
}
export interface ListMembersResponse {
  members: MemberInfo[];
}

export interface InviteInfo {
  id: string;
  role: Role;
  expiresAt: string;
  maxUses: number;
  uses: number;
  revokedAt: string | null;
  createdBy: string;
  createdAt: string;
  /** active | expired | revoked | used_up */
  status: InviteStatus;
}
export type InviteStatus = 'active' | 'expired' | 'revoked' | 'used_up';
export interface ListInvitesResponse {
  invites: InviteInfo[];
}
/** The token is shown once, at creation; the server keeps only its hash. */
export interface CreateInviteResponse {
  invite: InviteInfo;
  token: string;
  /** Same-origin path of the acceptance page. */
  path: string;
}
/** What someone opening an invite link sees before accepting. */
export interface InvitePreview {
  sessionTitle: string;
  role: Role;
  status: InviteStatus;
  expiresAt: string;
}
export interface AcceptInviteResponse {
  sessionId: string;
  role: Role;
}

export const invitePath = (token: string) => `/i/${encodeURIComponent(token)}`;
