// How the review tests act as a user. Today identity travels in the dev stand-in's headers
// (auth/header-access.ts); when the real cookie auth merges, only this helper changes
// (sign in, keep the cookie) — the tests keep calling asUser(...).
import type { Role } from '@mixroom/protocol';
import { SOCKET_IO_PATH } from '@mixroom/protocol';
import { io as ioClient, type Socket } from 'socket.io-client';
import { DEV_IDENTITY_HEADERS } from '../auth/header-access.js';

export interface UserClient {
  userId: string;
  name: string;
  role: Role;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** fetch + JSON: resolves with status and parsed body. */
  json<T = any>(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: T }>;
  /** A connected socket.io client carrying this identity. */
  socket(): Promise<Socket>;
}

export function asUser(baseUrl: string, role: Role, userId: string = role, name = userId[0].toUpperCase() + userId.slice(1)): UserClient {
  const headers = { [DEV_IDENTITY_HEADERS.user]: userId, [DEV_IDENTITY_HEADERS.name]: encodeURIComponent(name), [DEV_IDENTITY_HEADERS.role]: role };
  const doFetch = (path: string, init: RequestInit = {}) =>
    fetch(`${baseUrl}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
  return {
    userId, name, role,
    fetch: doFetch,
    async json(path, init = {}) {
      const res = await doFetch(path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { 'content-type': 'application/json', ...init.headers },
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    socket() {
      const s = ioClient(baseUrl, { path: SOCKET_IO_PATH, transports: ['websocket'], extraHeaders: headers, forceNew: true, reconnection: false });
      return new Promise((resolve, reject) => {
        s.once('connect', () => resolve(s));
        s.once('connect_error', reject);
      });
    },
  };
}

/** Anonymous: no identity at all. */
export const anonymous = (baseUrl: string) => ({ fetch: (path: string, init?: RequestInit) => fetch(`${baseUrl}${path}`, init) });
