import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL- and cookie-safe. */
export const newToken = () => randomBytes(32).toString('base64url');
/** What the database stores instead of a token: a leaked table grants no access. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newId = () => randomBytes(12).toString('base64url');
