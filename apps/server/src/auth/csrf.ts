// CSRF defence for cookie-authenticated state changes: besides SameSite=Lax cookies, every
// POST/PATCH/PUT/DELETE must come from our own origin. Browsers always send Sec-Fetch-Site
// and/or Origin on such requests, so a cross-site form or fetch is recognised and refused.
// Requests with neither header are not from a browser (curl, tests) and carry no ambient risk.
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/respond.js';
import { isHttps } from './cookies.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function assertSameOrigin(req: IncomingMessage, trustProxy: boolean): void {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, 'forbidden', `cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const expected = ownOrigin(req, trustProxy);
  if (origin !== expected) throw new HttpError(403, 'forbidden', `cross-origin request refused (Origin ${origin} is not ${expected})`);
}

/** The origin the browser used to reach us (through the proxy when trusted). */
export function ownOrigin(req: IncomingMessage, trustProxy: boolean): string {
  const host = (trustProxy && typeof req.headers['x-forwarded-host'] === 'string' ? req.headers['x-forwarded-host'].split(',')[0].trim() : req.headers.host) ?? '';
  return `${isHttps(req, trustProxy) ? 'https' : 'http'}://${host}`;
}

/** For websocket handshakes (socket.io, Yjs): a browser on another site must not ride on the user's cookie. */
export function isForeignOrigin(req: IncomingMessage, trustProxy: boolean): boolean {
  const origin = req.headers.origin;
  return origin !== undefined && origin !== ownOrigin(req, trustProxy);
}
