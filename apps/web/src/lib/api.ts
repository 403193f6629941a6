import type { ErrorBody, GetSessionResponse, ListSessionsResponse } from '@mixroom/protocol';

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

async function getJson<T>(url: string, what: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw await httpError(res, what);
  return (await res.json()) as T;
}

export function listSessions(): Promise<ListSessionsResponse> {
  return getJson<ListSessionsResponse>('/api/sessions', 'loading sessions');
}

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
