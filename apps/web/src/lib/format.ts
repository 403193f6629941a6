/** Song position as m:ss.t, the resolution a musician reads off a transport display. */
export function formatTime(seconds: number): string {
  const s = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
  const tenths = Math.floor(s * 10 + 1e-6);
  const m = Math.floor(tenths / 600);
  const sec = Math.floor((tenths % 600) / 10);
  const t = tenths % 10;
  return `${m}:${String(sec).padStart(2, '0')}.${t}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Turns a display name into a string safe for data-testid and CSS ids. */
export function slug(name: string): string {
  return name.replace(/\s+/g, '-');
}

/**
 * A date and time in the reader's locale (`locale` undefined = the browser's), never a fixed
 * US format. 'short' is the time alone for today and date + time otherwise; 'full' adds the
 * weekday and the time zone, for tooltips.
 */
export function formatDateTime(d: Date, style: 'short' | 'full', locale?: string | string[], now: Date = new Date()): string {
  if (Number.isNaN(d.getTime())) return '';
  if (style === 'full') return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'long' }).format(d);
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay
    ? new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(d)
    : new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A loudness figure (LUFS, LU, dBTP) to one decimal with a real minus sign; '–' when unknown. */
export function formatLoud(v: number | undefined | null): string {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v < 0 ? '−∞' : '+∞';
  return v.toFixed(1).replace('-', '−');
}
