export interface Identity {
  name: string;
  color: string;
}

const KEY = 'mixroom.identity';

export const PRESENCE_COLORS = ['#f5a524', '#4cc38a', '#5b9cf5', '#e5484d', '#b18cf5', '#3dd6d0', '#f57ad0', '#c2d94c'];

export function randomIdentity(): Identity {
  return {
    name: `Guest ${Math.floor(10 + Math.random() * 90)}`,
    color: PRESENCE_COLORS[Math.floor(Math.random() * PRESENCE_COLORS.length)],
  };
}

/** The same colour for an account on every browser, until the person picks one. */
export function colorFor(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return PRESENCE_COLORS[h % PRESENCE_COLORS.length];
}

/** Returns null when the person has never chosen a name on this browser. */
export function loadIdentity(): Identity | null {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<Identity>;
    if (typeof v.name !== 'string' || !v.name.trim() || typeof v.color !== 'string' || !/^#[0-9a-f]{6}$/i.test(v.color)) return null;
    return { name: v.name.trim().slice(0, 60), color: v.color };
  } catch {
    return null;
  }
}

export function saveIdentity(identity: Identity): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(identity));
  } catch {
    // Private mode or full storage: the name just won't persist past this visit.
  }
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  if (parts.length === 1) return parts[0].slice(0, 2).toUpperCase();
  return (parts[0][0] + parts[parts.length - 1][0]).toUpperCase();
}
