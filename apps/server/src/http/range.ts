import type { ByteRange } from '../blob/blob-store.js';

/**
 * Parses a single-range `Range` header against a resource of `size` bytes.
 * `null` → serve the whole resource (no header, or a form we choose to ignore such as
 * multiple ranges, which RFC 9110 allows); 'unsatisfiable' → 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    // Suffix range: the last N bytes.
    const n = Number(b);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== '' && Number(b) < start) return null; // invalid range spec: ignore the header (RFC 9110 §14.2)
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
