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
