// TEST/DEV STAND-IN for accounts (issue 3): who this browser claims to be in the review loop.
// The server's header-access stand-in reads the `mixroom_dev` cookie; the real cookie auth
// replaces both at merge. The role is chosen in the review panel and remembered per browser.
import { ROLES, type Role } from '@mixroom/protocol';
import type { Identity } from './identity';

const ROLE_KEY = 'mixroom.role';
const USER_KEY = 'mixroom.userId';

export interface DevUser { userId: string; name: string; role: Role }

export function loadDevUser(identity: Identity): DevUser {
  let userId = window.localStorage.getItem(USER_KEY);
  if (!userId || !/^[\w.@-]{1,64}$/.test(userId)) {
    userId = `u${Math.random().toString(36).slice(2, 10)}`;
    window.localStorage.setItem(USER_KEY, userId);
  }
  const stored = window.localStorage.getItem(ROLE_KEY) as Role | null;
  const role = stored && (ROLES as readonly string[]).includes(stored) ? stored : 'owner';
  return { userId, name: identity.name, role };
}

/** Sets the cookie every request and socket of this page carries. */
export function applyDevUser(user: DevUser): void {
  window.localStorage.setItem(ROLE_KEY, user.role);
  const json = JSON.stringify(user);
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(json))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  document.cookie = `mixroom_dev=${b64}; path=/; SameSite=Lax`;
}
