import type {
  AcceptInviteResponse, CheckEmailResponse, CreateInviteBody, CreateInviteResponse, DemoAccountsResponse, ErrorBody, GetSessionResponse, InvitePreview,
  ListInvitesResponse, ListMembersResponse, ListSessionsResponse, MeResponse, Role, StemTakesResponse,
} from '@mixroom/protocol';
import { fetchRetryingWhenBusy } from './busy-retry';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Builds an error carrying the server's own message ("stem file missing: Bass") when it sent one. */
export async function httpError(res: Response, what: string): Promise<HttpError> {
  let message = `${what}: HTTP ${res.status}`;
  let code: string | undefined;
  try {
    const body = (await res.json()) as Partial<ErrorBody>;
    if (body?.error?.message) {
      message = body.error.message;
      code = body.error.code;
    }
  } catch {
    // Not JSON (a proxy error page, say): keep the generic message.
  }
  return new HttpError(res.status, message, code);
}

/** Sends the browser to the sign-in page, coming back here afterwards. */
export function redirectToSignIn(): void {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/signin?next=${encodeURIComponent(next)}`);
}

/**
 * Same-origin JSON call with the session cookie; a busy server (503 + Retry-After) is waited out. A 401 means the sign-in is missing or expired:
 * unless told otherwise, go and sign in (the error still rejects so callers stop).
 */
async function call<T>(method: string, url: string, what: string, body?: unknown, opts: { redirectOn401?: boolean } = {}): Promise<T> {
  const res = await fetchRetryingWhenBusy(url, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && opts.redirectOn401 !== false) redirectToSignIn();
  if (!res.ok) throw await httpError(res, what);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

const getJson = <T>(url: string, what: string) => call<T>('GET', url, what);
const sid = (id: string) => encodeURIComponent(id);

export const me = () => call<MeResponse>('GET', '/api/auth/me', 'checking sign-in', undefined, { redirectOn401: false });
export const demoAccounts = () => call<DemoAccountsResponse>('GET', '/api/auth/demo', 'loading demo accounts');
export const signIn = (email: string, password: string) =>
  call<MeResponse>('POST', '/api/auth/signin', 'signing in', { email, password }, { redirectOn401: false });
/** Signed in, or (SIGNUP_CONFIRM=email) asked to open the mailed link: the same answer for every address. */
export const signUp = (email: string, name: string, password: string) =>
  call<MeResponse | CheckEmailResponse>('POST', '/api/auth/signup', 'signing up', { email, name, password }, { redirectOn401: false });
export const signOut = () => call<void>('POST', '/api/auth/signout', 'signing out');

export const listMembers = (id: string) => getJson<ListMembersResponse>(`/api/sessions/${sid(id)}/members`, 'loading members');
export const changeRole = (id: string, userId: string, role: Role) =>
  call<unknown>('PATCH', `/api/sessions/${sid(id)}/members/${encodeURIComponent(userId)}`, 'changing the role', { role });
export const removeMember = (id: string, userId: string) =>
  call<void>('DELETE', `/api/sessions/${sid(id)}/members/${encodeURIComponent(userId)}`, 'removing the member');
export const listInvites = (id: string) => getJson<ListInvitesResponse>(`/api/sessions/${sid(id)}/invites`, 'loading invites');
export const createInvite = (id: string, body: Partial<CreateInviteBody> & { role: Role }) =>
  call<CreateInviteResponse>('POST', `/api/sessions/${sid(id)}/invites`, 'creating the invite', body);
export const revokeInvite = (id: string, inviteId: string) =>
  call<void>('DELETE', `/api/sessions/${sid(id)}/invites/${encodeURIComponent(inviteId)}`, 'revoking the invite');
export const previewInvite = (token: string) => getJson<InvitePreview>(`/api/invites/${encodeURIComponent(token)}`, 'opening the invite');
export const acceptInvite = (token: string) =>
  call<AcceptInviteResponse>('POST', `/api/invites/${encodeURIComponent(token)}/accept`, 'accepting the invite');

export function listSessions(): Promise<ListSessionsResponse> {
  return getJson<ListSessionsResponse>('/api/sessions', 'loading sessions');
}

const stemPath = (id: string, stemId: string) => `/api/sessions/${sid(id)}/stems/${encodeURIComponent(stemId)}`;
export const renameStem = (id: string, stemId: string, name: string) => call<unknown>('PATCH', stemPath(id, stemId), 'renaming the stem', { name });
export const removeStem = (id: string, stemId: string) => call<void>('DELETE', stemPath(id, stemId), 'removing the stem');
export const listTakes = (id: string, stemId: string) => getJson<StemTakesResponse>(`${stemPath(id, stemId)}/takes`, 'loading the takes');
export const restoreTake = (id: string, stemId: string) => call<{ channelId: string }>('POST', `${stemPath(id, stemId)}/restore`, 'restoring the take');

export const createSession = (title: string) => call<GetSessionResponse>('POST', '/api/sessions', 'creating the session', { title });
export const deleteSession = (id: string) => call<void>('DELETE', `/api/sessions/${sid(id)}`, 'deleting the session');

export function getSession(id: string): Promise<GetSessionResponse> {
  return getJson<GetSessionResponse>(`/api/sessions/${encodeURIComponent(id)}`, 'loading session');
}

/** The session id of a /s/<id> URL; the static session page serves every such path. */
export function sessionIdFromLocation(loc: Location): string | null {
  const m = /^\/s\/([^/]+)\/?$/.exec(loc.pathname);
  if (m) return decodeURIComponent(m[1]);
  // `next dev` serves the page at /session, so accept ?id= there.
  return new URLSearchParams(loc.search).get('id');
}

/** The token of an /i/<token> URL (`next dev` serves the page at /invite?token=). */
export function inviteTokenFromLocation(loc: Location): string | null {
  const m = /^\/i\/([^/]+)\/?$/.exec(loc.pathname);
  if (m) return decodeURIComponent(m[1]);
  return new URLSearchParams(loc.search).get('token');
}
