import Link from 'next/link';

function BrandMark() {
  return (
    <span className="brand-mark" aria-hidden>
      <i />
      <i />
      <i />
    </span>
  );
}

/** The Mixroom logo: a link home inside a session, plain text on the home page itself. */
export function Brand({ big = false, linkHome = false }: { big?: boolean; linkHome?: boolean }) {
  const className = `brand${big ? ' big' : ''}`;
  if (linkHome)
    return (
      <Link href="/" className={className} aria-label="Mixroom home">
        <BrandMark />
        Mixroom
      </Link>
    );
  return (
    <span className={className}>
      <BrandMark />
      Mixroom
    </span>
  );
}
