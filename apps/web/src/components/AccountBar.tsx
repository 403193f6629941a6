'use client';
import { useEffect, useState } from 'react';
import type { UserInfo } from '@mixroom/protocol';
import { me, redirectToSignIn, signOut } from '../lib/api';

/** Who is signed in, with a sign-out button; sends signed-out visitors to the sign-in page. */
export function AccountBar() {
  const [user, setUser] = useState<UserInfo | null>(null);
  useEffect(() => {
    me().then((r) => setUser(r.user), () => redirectToSignIn());
  }, []);
  if (!user) return null;
  return (
    <span className="account-bar" data-testid="account-bar">
      <span title={user.email}>{user.name}</span>
      <button
        type="button"
        className="link-button"
        data-testid="sign-out"
        onClick={() => void signOut().finally(() => window.location.assign('/signin'))}
      >
        Sign out
      </button>
    </span>
  );
}
