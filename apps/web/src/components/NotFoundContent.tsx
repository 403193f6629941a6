import Link from 'next/link';

export function NotFoundContent({ what = 'page' }: { what?: string }) {
  return (
    <main className="center-page not-found" data-testid="not-found">
      <div className="nf-code">404</div>
      <h1>This {what} doesn&apos;t exist</h1>
      <p>The link may be mistyped, or the session was deleted.</p>
      <Link href="/" className="btn-primary" data-testid="home-link">
        Go to all sessions
      </Link>
    </main>
  );
}
