// Sign-up confirmed by email (SIGNUP_CONFIRM=email): the answer to a sign-up is the same 202
// "check your email" whether or not the address has an account, so sign-up cannot be used to
// find out who has one. The link carries everything needed to create the account (email, name,
// password hash), sealed with an HMAC, so nothing is stored until it is clicked.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const CONFIRM_TTL_MS = 24 * 3600_000;

export interface PendingSignUp {
  email: string;
  name: string;
  passwordHash: string;
}

/** Where confirmation mails go. No mail is sent by this project: the default writes them to the server log. */
export type Mailer = (to: string, subject: string, text: string) => void | Promise<void>;

/** The HMAC key: AUTH_SECRET, else one generated once into `<dataDir>/auth-secret` (0600), shared by processes on that directory. */
export function loadAuthSecret(dataDir: string, fromEnv?: string): Buffer {
  if (fromEnv) return Buffer.from(fromEnv);
  const file = path.join(dataDir, 'auth-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim());
}

export class SignUpSeal {
  constructor(private readonly secret: Buffer, private readonly now: () => number = Date.now) {}

  seal(p: PendingSignUp): string {
    const body = Buffer.from(JSON.stringify({ e: p.email, n: p.name, h: p.passwordHash, x: this.now() + CONFIRM_TTL_MS })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The pending sign-up, or why not: 'invalid' (tampered, not ours) or 'expired'. */
  open(token: string): PendingSignUp | 'invalid' | 'expired' {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined || token.length > 4096) return 'invalid';
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    const v = JSON.parse(Buffer.from(body, 'base64url').toString()) as { e: string; n: string; h: string; x: number };
    if (this.now() > v.x) return 'expired';
    return { email: v.e, name: v.n, passwordHash: v.h };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
