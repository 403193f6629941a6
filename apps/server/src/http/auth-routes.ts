import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignInBody, SignUpBody, type CheckEmailResponse, type DemoAccountsResponse, type MeResponse } from '@mixroom/protocol';
import { CHECK_EMAIL_MESSAGE, type Accounts } from '../auth/accounts.js';
import { clearedSessionCookie, isHttps, sessionCookie } from '../auth/cookies.js';
import type { DbAccessControl } from '../auth/db-access.js';
import type { SignInWatch } from '../auth/sign-in-watch.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DEMO_ACCOUNTS } from '../seed.js';
import { sendJson } from './respond.js';
import type { Router } from './router.js';
import { readBody } from './validate.js';

export interface AuthRouteDeps {
  prisma: PrismaClient;
  accounts: Accounts;
  access: DbAccessControl;
  trustProxy: boolean;
  signIns: SignInWatch;
}

export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0].trim() : '';
  return forwarded || req.socket.remoteAddress || 'unknown';
}

export function registerAuthRoutes(router: Router, deps: AuthRouteDeps): void {
  const { accounts, access, trustProxy } = deps;
  const signedIn = (req: IncomingMessage, res: ServerResponse, status: number, user: MeResponse['user'], token: string) => {
    const cookie = sessionCookie(token, Math.floor(accounts.options.sessionTtlMs / 1000), isHttps(req, trustProxy));
    sendJson(res, status, { user } satisfies MeResponse, { 'Set-Cookie': cookie });
  };

  router.on('POST', '/api/auth/signup', async (req, res) => {
    const result = await accounts.signUp(await readBody(req, SignUpBody), clientIp(req, trustProxy));
    if (result === 'check-email') return sendJson(res, 202, { status: 'check-email', message: CHECK_EMAIL_MESSAGE } satisfies CheckEmailResponse);
    const { user, token } = result;
    signedIn(req, res, 201, { id: user.userId, email: user.email, name: user.name }, token);
  });

  // The link in the confirmation mail: creates the account, then the sign-in page says what happened.
  router.on('GET', '/api/auth/confirm', async (req, res) => {
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '';
    const outcome = await accounts.confirmSignUp(token);
    res.writeHead(303, { Location: `/signin?confirmed=${outcome}`, 'Cache-Control': 'no-store' }).end();
  });

  router.on('POST', '/api/auth/signin', async (req, res) => {
    const { user, token } = await accounts.signIn(await readBody(req, SignInBody), clientIp(req, trustProxy));
    signedIn(req, res, 200, { id: user.userId, email: user.email, name: user.name }, token);
  });

  router.on('POST', '/api/auth/signout', async (req, res) => {
    const signInId = await accounts.signOut(req);
    // Open websockets and socket.io connections of this sign-in end now, not at their next check.
    if (signInId) deps.signIns.signedOut(signInId);
    res.writeHead(204, { 'Set-Cookie': clearedSessionCookie(isHttps(req, trustProxy)), 'Cache-Control': 'no-store' }).end();
  });

  router.on('GET', '/api/auth/me', async (req, res) => {
    const actor = await access.requireUser(req);
    sendJson(res, 200, { user: { id: actor.userId, email: actor.email, name: actor.name } } satisfies MeResponse);
  });

  // Public on purpose: the demo passwords are documented in the README; this only says whether they exist here.
  router.on('GET', '/api/auth/demo', async (_req, res) => {
    const present = new Set((await deps.prisma.user.findMany({ where: { email: { in: DEMO_ACCOUNTS.map((a) => a.email) } }, select: { email: true } })).map((u) => u.email));
    sendJson(res, 200, { accounts: DEMO_ACCOUNTS.filter((a) => present.has(a.email)) } satisfies DemoAccountsResponse);
  });
}
