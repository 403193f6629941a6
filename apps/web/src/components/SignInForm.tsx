'use client';
import { useEffect, useState } from 'react';
import type { DemoAccount } from '@mixroom/protocol';
import { demoAccounts, signIn, signUp } from '../lib/api';

/** Only same-site paths: a crafted ?next= must not send the user to another site after sign-in. */
function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** What the mailed sign-up link did (GET /api/auth/confirm redirects here with ?confirmed=). */
const CONFIRMED: Record<string, string> = {
  created: 'Your account is ready: sign in with your email and password.',
  exists: 'This address already has an account: sign in.',
  expired: 'That sign-up link has expired: sign up again.',
  invalid: 'That sign-up link is not valid: sign up again.',
};

export function SignInForm() {
  const [mode, setMode] = useState<'signin' | 'signup'>('signin');
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [demo, setDemo] = useState<DemoAccount[]>([]);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    demoAccounts().then((r) => setDemo(r.accounts), () => setDemo([]));
    const confirmed = new URLSearchParams(window.location.search).get('confirmed');
    if (confirmed) setNotice(CONFIRMED[confirmed] ?? null);
  }, []);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      const result = await action();
      if (result && typeof result === 'object' && 'status' in result && result.status === 'check-email') {
        setNotice(String((result as unknown as { message: string }).message));
        setBusy(false);
        return;
      }
      window.location.assign(nextPath());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };

  return (
    <main className="center-page auth-page">
      <h1>{mode === 'signin' ? 'Sign in to Mixroom' : 'Create your Mixroom account'}</h1>
      <form
        className="auth-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => (mode === 'signin' ? signIn(email, password) : signUp(email, name, password)));
        }}
      >
        <label>
          Email
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="email" />
        </label>
        {mode === 'signup' && (
          <label>
            Your name (shown to others)
            <input required maxLength={60} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} data-testid="name" />
          </label>
        )}
        <label>
          Password
          <input
            type="password"
            required
            minLength={mode === 'signup' ? 8 : 1}
            autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="password"
          />
        </label>
        {notice && (
          <p className="muted" role="status" data-testid="auth-notice">
            {notice}
          </p>
        )}
        {error && (
          <p className="error-text" role="alert" data-testid="auth-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn-primary" disabled={busy} data-testid="submit">
          {mode === 'signin' ? 'Sign in' : 'Sign up'}
        </button>
      </form>
      <button type="button" className="link-button" onClick={() => setMode(mode === 'signin' ? 'signup' : 'signin')} data-testid="toggle-mode">
        {mode === 'signin' ? 'No account yet? Sign up' : 'Have an account? Sign in'}
      </button>
      {/* Last on the page and the page top-aligned: when they arrive, nothing above them moves. */}
      {demo.length > 0 && mode === 'signin' && (
        <div className="demo-accounts" data-testid="demo-accounts">
          <span className="muted">or try Mixroom with a demo account:</span>
          {demo.map((a) => (
            <button
              key={a.email}
              type="button"
              className="btn-primary"
              disabled={busy}
              data-testid={`demo-${a.name.toLowerCase().replace(/\s+/g, '-')}`}
              onClick={() => void run(() => signIn(a.email, a.password))}
            >
              Continue as {a.name.toLowerCase()}
            </button>
          ))}
        </div>
      )}
    </main>
  );
}
