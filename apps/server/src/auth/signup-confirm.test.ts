// SIGNUP_CONFIRM=email: sign-up says the same thing ("check your email") for an address that has
// an account and one that does not, so it cannot be used to find out who has an account; the
// account is made from the mailed link, which does not sign anyone in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckEmailResponse } from '@mixroom/protocol';
import { createMixroomServer, type MixroomServer } from '../app.js';
import { assertPostgresReachable, databaseKinds, quietLogger, SKIP_PG, type TestDatabase } from '../test-support.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe.each(databaseKinds)('sign-up confirmed by email over $name', (kind) => {
  let database: TestDatabase;
  let server: MixroomServer;
  let url: string;
  const mails: { to: string; subject: string; text: string }[] = [];
  const mailTo = (to: string) => mails.filter((m) => m.to === to);
  const linkIn = (text: string) => /(http:\/\/\S+)/.exec(text)![1].replace(/^http:\/\/localhost:\d+/, url);
  let n = 0;
  const address = () => `someone.${Date.now().toString(36)}.${++n}@example.test`;
  const signUp = (email: string, password: string) => post(`${url}/api/auth/signup`, { email, name: 'Someone', password });
  const signIn = (email: string, password: string) => post(`${url}/api/auth/signin`, { email, password });
  const open = (link: string) => fetch(link, { redirect: 'manual' });

  beforeAll(async () => {
    database = await kind.create();
    server = await createMixroomServer({ ...database.config, signUpConfirm: 'email' }, {
      logger: quietLogger, seed: false, auth: { limits: { signUpsPerIp: 1000 }, mailer: (to, subject, text) => void mails.push({ to, subject, text }) },
    });
    url = (await server.listen()).url.replace('localhost', '127.0.0.1');
  });
  afterAll(async () => {
    await server?.close();
    await database?.cleanup();
  });

  /** An account made the way people make one: sign up, open the mailed link. */
  async function account(password: string) {
    const email = address();
    expect((await signUp(email, password)).status).toBe(202);
    await expect.poll(() => mailTo(email).length).toBe(1);
    expect((await open(linkIn(mailTo(email)[0].text))).headers.get('location')).toBe('/signin?confirmed=created');
    return email;
  }

  it('answers a known address exactly as a new one: 202, same body, no cookie, nothing changed', async () => {
    const known = await account('the real password');
    const fresh = await signUp(address(), 'a password');
    const again = await signUp(known, 'a guessed password');
    expect(again.status).toBe(fresh.status);
    expect(again.status).toBe(202);
    const [a, b] = [(await fresh.json()) as CheckEmailResponse, (await again.json()) as CheckEmailResponse];
    expect(b).toEqual(a);
    expect(a.status).toBe('check-email');
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(fresh.headers.get('set-cookie')).toBeNull();
    expect([...again.headers.keys()].sort()).toEqual([...fresh.headers.keys()].sort());
    // The account's owner hears about it; the guessed password does nothing.
    await expect.poll(() => mailTo(known).map((m) => m.subject)).toContain('Someone tried to sign up with your address');
    expect(mailTo(known).filter((m) => m.subject.startsWith('Someone tried')).some((m) => m.text.includes('/api/auth/confirm'))).toBe(false);
    expect((await signIn(known, 'a guessed password')).status).toBe(401);
    expect((await signIn(known, 'the real password')).status).toBe(200);
  });

  it('a new address gets its account from the link, then signs in; the link works once', async () => {
    const email = address();
    const res = await signUp(email, 'long enough pw');
    expect(res.status).toBe(202);
    expect(await server.db.prisma.user.count({ where: { email } })).toBe(0);
    await expect.poll(() => mailTo(email).length).toBe(1);
    expect((await signIn(email, 'long enough pw')).status).toBe(401);
    const link = linkIn(mailTo(email)[0].text);
    const opened = await open(link);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/signin?confirmed=created');
    // Opening the link does not sign in: a link someone else made cannot put you in their account.
    expect(opened.headers.get('set-cookie')).toBeNull();
    expect((await signIn(email, 'long enough pw')).status).toBe(200);
    expect((await open(link)).headers.get('location')).toBe('/signin?confirmed=exists');
  });

  it('a tampered link creates nothing', async () => {
    const email = address();
    await signUp(email, 'long enough pw');
    await expect.poll(() => mailTo(email).length).toBe(1);
    const link = new URL(linkIn(mailTo(email)[0].text));
    const [body, mac] = link.searchParams.get('token')!.split('.');
    const forged = JSON.parse(Buffer.from(body, 'base64url').toString());
    forged.e = 'victim@example.test';
    link.searchParams.set('token', `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`);
    expect((await open(link.href)).headers.get('location')).toBe('/signin?confirmed=invalid');
    expect(await server.db.prisma.user.count({ where: { email: { in: [email, 'victim@example.test'] } } })).toBe(0);
  });

  it('the account\'s own password still signs in through sign-up (201), as without confirmation', async () => {
    const email = await account('my own password');
    const res = await signUp(email, 'my own password');
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toMatch(/^mixroom_session=/);
  });
});
