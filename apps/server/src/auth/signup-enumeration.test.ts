// Issue 19 item 6, the default mode (no mail sender): a sign-up signs in at once, so an address
// with an account cannot get a new account's answer. What it may tell is bounded by what sign-in
// already tells: the refusal is a wrong sign-in's (401), every path costs exactly one scrypt
// (counted, not timed), and sign-up guesses go through the sign-in limits.
import type { ErrorBody } from '@mixroom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_UP_REFUSED_MESSAGE } from './accounts.js';
import { scryptRuns } from './passwords.js';
import { assertPostgresReachable, databaseKinds, signUp, SKIP_PG, startServer, type TestDatabase, type TestServer } from '../test-support.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

const from = (ip: string, url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify(body) });

describe.each(databaseKinds)('sign-up for an address that has an account, default mode ($name)', (kind) => {
  let database: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    database = await kind.create();
    s = await startServer({ ...database.config, trustProxy: true }, { auth: { limits: { perEmailIp: 4, perEmailIpPerMinute: 3, signUpsPerIp: 100, perIp: 50 } } });
  });
  afterAll(async () => {
    await s?.server.close();
    await database?.cleanup();
  });

  /** Scrypt runs of one request. */
  async function hashesOf(request: () => Promise<Response>): Promise<{ res: Response; hashes: number }> {
    const before = scryptRuns.count;
    const res = await request();
    return { res, hashes: scryptRuns.count - before };
  }

  it('is refused like a wrong sign-in (401, no email in it), and every path costs one scrypt, as a sign-in does', async () => {
    const owner = await signUp(s.url, 'Known');
    const ip = '198.51.100.60';
    // The dummy hash for unknown emails is made once per process: make it now, outside the counts.
    await from(ip, `${s.url}/api/auth/signin`, { email: 'warm.up@example.test', password: 'anything at all' });

    const wrongSignIn = await hashesOf(() => from(ip, `${s.url}/api/auth/signin`, { email: owner.email, password: 'not the password' }));
    const unknownSignIn = await hashesOf(() => from(ip, `${s.url}/api/auth/signin`, { email: 'nobody.here@example.test', password: 'not the password' }));
    const taken = await hashesOf(() => from(ip, `${s.url}/api/auth/signup`, { email: owner.email, name: 'Someone', password: 'not the password' }));
    const own = await hashesOf(() => from(ip, `${s.url}/api/auth/signup`, { email: owner.email, name: 'Someone', password: 'correct horse battery' }));
    const fresh = await hashesOf(() => from(ip, `${s.url}/api/auth/signup`, { email: `fresh.${Date.now()}@example.test`, name: 'Fresh', password: 'correct horse battery' }));

    expect([wrongSignIn, unknownSignIn, taken, own, fresh].map((r) => r.hashes)).toEqual([1, 1, 1, 1, 1]);
    expect(wrongSignIn.res.status).toBe(401);
    expect(taken.res.status).toBe(401);
    const body = (await taken.res.json()) as ErrorBody;
    expect(body.error).toEqual({ code: 'unauthorized', message: SIGN_UP_REFUSED_MESSAGE });
    expect(JSON.stringify(body)).not.toContain(owner.email);
    expect(taken.res.headers.get('set-cookie')).toBeNull();
    // Same header names as a wrong sign-in's refusal.
    const names = (r: Response) => [...r.headers.keys()].filter((k) => k !== 'date').sort();
    expect(names(taken.res)).toEqual(names(wrongSignIn.res));
    // The account's own password signs in, with a new account's answer.
    expect(own.res.status).toBe(201);
    expect(fresh.res.status).toBe(201);
    expect(Object.keys(((await own.res.json()) as { user: object }).user).sort()).toEqual(Object.keys(((await fresh.res.json()) as { user: object }).user).sort());
  });

  it('guesses through sign-up count with sign-in guesses: the same backoff for that address, nobody else locked out', async () => {
    const victim = await signUp(s.url, 'Victim');
    const attacker = '203.0.113.61';
    const guessBySignUp = (n: number) => from(attacker, `${s.url}/api/auth/signup`, { email: victim.email, name: 'Mallory', password: `guess number ${n}` });
    expect((await guessBySignUp(1)).status).toBe(401);
    expect((await from(attacker, `${s.url}/api/auth/signin`, { email: victim.email, password: 'guess number 2' })).status).toBe(401);
    expect((await guessBySignUp(3)).status).toBe(401);
    // The first backoff step (3 a minute here), whichever way the next guess comes.
    const bySignUp = await guessBySignUp(4);
    expect(bySignUp.status).toBe(429);
    expect(((await bySignUp.json()) as ErrorBody).error.message).toMatch(/^too many sign-in attempts; try again in \d+ s$/);
    expect((await from(attacker, `${s.url}/api/auth/signin`, { email: victim.email, password: 'correct horse battery' })).status).toBe(429);
    // The owner, elsewhere, signs in, and also "signs up" (which signs in).
    expect((await from('198.51.100.62', `${s.url}/api/auth/signin`, { email: victim.email, password: 'correct horse battery' })).status).toBe(200);
    expect((await from('198.51.100.62', `${s.url}/api/auth/signup`, { email: victim.email, name: 'Victim', password: 'correct horse battery' })).status).toBe(201);
  });
});
