import { describe, expect, it } from 'vitest';
import { formatDateTime } from './format';

describe('formatDateTime: dates in the reader’s locale', () => {
  const posted = new Date(2026, 2, 4, 15, 7); // 4 March 2026, 15:07 local time
  const later = new Date(2026, 5, 1, 9, 0);

  it('writes day before month for a British reader and month first for an American one', () => {
    expect(formatDateTime(posted, 'short', 'en-GB', later)).toBe('4 Mar 2026, 15:07');
    expect(formatDateTime(posted, 'short', 'en-US', later)).toMatch(/^Mar 4, 2026, 3:07\sPM$/);
    expect(formatDateTime(posted, 'short', 'de-DE', later)).toBe('04.03.2026, 15:07');
  });

  it('shows only the time for something posted today', () => {
    expect(formatDateTime(posted, 'short', 'en-GB', new Date(2026, 2, 4, 23, 0))).toBe('15:07');
  });

  it('gives nothing rather than "Invalid Date" for a broken timestamp', () => {
    expect(formatDateTime(new Date('nope'), 'short', 'en-GB')).toBe('');
  });
});
