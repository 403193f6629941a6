// Sign-up and sign-in abuse: nobody can lock another person out, sign-ups are limited per
// address, and password hashing never takes the thread pool that file I/O (stem streaming) needs.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '@mixroom/protocol';
import { hashPassword } from './passwords.js';
import { assertPostgresReachable, databaseKinds, signUp, SKIP_PG, startServer, type TestDatabase, type TestServer } from '../test-support.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

const from = (ip: string, url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify(body) });
const messageOf = async (res: Response) => ((await res.json()) as ErrorBody).error.message;

describe.each(databaseKinds)('sign-up and sign-in abuse over $name', (kind) => {
  let database: TestDatabase;
  let s: TestServer;
  beforeAll(async () => {
    database = await kind.create();
    s = await startServer({ ...database.config, trustProxy: true }, { auth: { limits: { perEmailIp: 4, perEmailIpPerMinute: 3, signUpsPerIp: 3, perIp: 6 } } });
  });
  afterAll(async () => {
    await s?.server.close();
    await database?.cleanup();
  });

  it('wrong passwords from one address lock only that address out of the account, with backoff; the owner signs in from theirs', async () => {
    const victim = await signUp(s.url, 'Victim');
    const attacker = '203.0.113.9';
    const signIn = (ip: string, password: string) => from(ip, `${s.url}/api/auth/signin`, { email: victim.email, password });
    for (let i = 1; i <= 3; i++) expect((await signIn(attacker, `guess ${i}`)).status).toBe(401);
    // The first step of the backoff: a minute.
    const limited = await signIn(attacker, 'guess 4');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await messageOf(limited)).toMatch(/^too many sign-in attempts; try again in \d+ s$/);
    // Even the right password waits, from that address.
    expect((await signIn(attacker, 'correct horse battery')).status).toBe(429);
    // The account's owner, elsewhere, is not locked out.
    expect((await signIn('198.51.100.7', 'correct horse battery')).status).toBe(200);
  });

  it('an address is limited by its failed sign-ins only: one office (or a test suite) signs in all day', async () => {
    const someone = await signUp(s.url, 'Office');
    const office = '198.51.100.20';
    for (let i = 0; i < 10; i++) expect((await from(office, `${s.url}/api/auth/signin`, { email: someone.email, password: 'correct horse battery' })).status).toBe(200);
    // Spraying wrong passwords over many accounts from one address is still limited.
    for (let i = 0; i < 6; i++) expect((await from(office, `${s.url}/api/auth/signin`, { email: `nobody.${i}@example.test`, password: 'guess' })).status).toBe(401);
    expect((await from(office, `${s.url}/api/auth/signin`, { email: 'nobody.x@example.test', password: 'guess' })).status).toBe(429);
  });

  it('limits sign-ups per address (429 with Retry-After); another address may still sign up', async () => {
    const ip = '192.0.2.44';
    const body = (n: number) => ({ email: `burst.${Date.now().toString(36)}.${n}@example.test`, name: 'Burst', password: 'long enough pw' });
    for (let n = 1; n <= 3; n++) expect((await from(ip, `${s.url}/api/auth/signup`, body(n))).status).toBe(201);
    const limited = await from(ip, `${s.url}/api/auth/signup`, body(4));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(await messageOf(limited)).toMatch(/^too many sign-ups from this address; try again in \d+ min$/);
    expect(await s.server.db.prisma.user.count({ where: { email: body(4).email } })).toBe(0);
    expect((await from('192.0.2.45', `${s.url}/api/auth/signup`, body(5))).status).toBe(201);
  });
});

describe('password hashing', () => {
  it('runs off the libuv thread pool: a file read started behind a burst of hashes finishes before the first hash', async () => {
    const done: string[] = [];
    // Default parameters (32 MiB, ~100 ms each); more hashes than libuv has pool threads (4).
    const hashes = Array.from({ length: 6 }, (_, i) => hashPassword(`password ${i}`).then(() => done.push(`hash ${i}`)));
    const read = readFile(fileURLToPath(import.meta.url)).then(() => done.push('read'));
    await Promise.all([...hashes, read]);
    expect(done[0]).toBe('read');
  });
});
