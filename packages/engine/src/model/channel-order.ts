/**
 * The console order and colour of channels, shared through the mix document.
 *
 * Order: each channel that was ever moved has a **fractional index** — a string key; channels are
 * shown by key (ties by id), so moving one channel writes one key between its new neighbours'
 * keys and nothing else. Concurrent moves by two people converge: every key is a last-writer-wins
 * entry of a Y.Map, and the order is a pure function of the keys and ids, so every replica sorts
 * the same way (two channels dropped into the same gap at once may get the same key and are then
 * ordered by id; the same channel moved twice ends where the winning write put it). Channels
 * without a key (never moved, or added after the first move) follow in the caller's default
 * order (file names, see apps/web/src/lib/channel-order.ts).
 *
 * Keys are digit strings in base 62 read as a fraction in [0, 1) ("V" = 0.5), never ending in
 * "0", so there is always a key between two different ones (the midpoint algorithm of
 * rocicorp's fractional-indexing, without its integer part: a few lines, no dependency).
 */

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = DIGITS.length;
const KEY_RE = /^[0-9A-Za-z]{0,63}[1-9A-Za-z]$/;

/** A usable position key (anything else found in the document counts as "not moved"). */
export function isPositionKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_RE.test(key);
}

function midpoint(a: string, b: string | null): string {
  if (b !== null) {
    let n = 0;
    while ((a[n] ?? '0') === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const da = a ? DIGITS.indexOf(a[0]) : 0;
  const db = b !== null ? DIGITS.indexOf(b[0]) : BASE;
  if (db - da > 1) return DIGITS[Math.round((da + db) / 2)];
  // Adjacent digits: b's first digit alone lies between (b is longer), or go one digit deeper after a's.
  if (b !== null && b.length > 1) return b.slice(0, 1);
  return DIGITS[da] + midpoint(a.slice(1), null);
}

/** A key strictly between `a` and `b` (null: the start / the end). Throws if a ≥ b. */
export function keyBetween(a: string | null, b: string | null): string {
  if (a !== null && b !== null && a >= b) throw new Error(`no key between ${a} and ${b}`);
  return midpoint(a ?? '', b);
}

/** `n` evenly spread keys in increasing order (used when the order is written down the first time). */
export function spreadKeys(n: number): string[] {
  let width = 1;
  while (BASE ** width < 2 * (n + 1)) width++;
  const span = BASE ** width;
  return Array.from({ length: n }, (_, i) => {
    let v = Math.floor(((i + 1) * span) / (n + 1));
    if (v % BASE === 0) v += 1; // no trailing "0": spacing is ≥ 2, so the order holds
    let s = '';
    for (let d = 0; d < width; d++) {
      s = DIGITS[v % BASE] + s;
      v = Math.floor(v / BASE);
    }
    return s;
  });
}

/**
 * Channels in console order: moved ones by (position, id), then the rest in `defaultCompare`
 * order. Every replica with the same document computes the same order.
 */
export function orderChannels<T extends { id: string; position: string | null }>(channels: readonly T[], defaultCompare: (a: T, b: T) => number): T[] {
  const placed = channels.filter((c) => c.position !== null);
  const rest = channels.filter((c) => c.position === null);
  placed.sort((a, b) => (a.position! < b.position! ? -1 : a.position! > b.position! ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  rest.sort(defaultCompare);
  return [...placed, ...rest];
}

/**
 * The keys to write so that `channelId` lands at `toIndex` of `shownIds` (the order on screen,
 * from orderChannels): one key when its new neighbours already have distinct keys, otherwise
 * (first move, or neighbours without keys or with equal keys) keys for every channel in the new
 * order.
 */
export function positionsForMove(shownIds: readonly string[], positions: ReadonlyMap<string, string | null>, channelId: string, toIndex: number): Map<string, string> {
  const rest = shownIds.filter((id) => id !== channelId);
  const to = Math.max(0, Math.min(rest.length, Math.round(toIndex)));
  const before = to > 0 ? positions.get(rest[to - 1]) ?? null : null;
  const after = to < rest.length ? positions.get(rest[to]) ?? null : null;
  const beforeOk = to === 0 || before !== null;
  const afterOk = to === rest.length || after !== null;
  if (beforeOk && afterOk && (before === null || after === null || before < after)) {
    return new Map([[channelId, keyBetween(before, after)]]);
  }
  const order = [...rest.slice(0, to), channelId, ...rest.slice(to)];
  const keys = spreadKeys(order.length);
  return new Map(order.map((id, i) => [id, keys[i]]));
}

/** Colours a channel can be given (ids are stored; anything else in the document means "default"). */
export const CHANNEL_COLORS = [
  { id: 'amber', label: 'Amber', hex: '#f5a524' },
  { id: 'blue', label: 'Blue', hex: '#5b9cf5' },
  { id: 'green', label: 'Green', hex: '#4cc38a' },
  { id: 'red', label: 'Red', hex: '#e5484d' },
  { id: 'violet', label: 'Violet', hex: '#b18cf5' },
  { id: 'teal', label: 'Teal', hex: '#3dd6d0' },
  { id: 'pink', label: 'Pink', hex: '#f57ad0' },
  { id: 'lime', label: 'Lime', hex: '#c2d94c' },
  { id: 'grey', label: 'Grey', hex: '#9aa0aa' },
] as const;
export type ChannelColorId = (typeof CHANNEL_COLORS)[number]['id'];

export function isChannelColorId(id: unknown): id is ChannelColorId {
  return typeof id === 'string' && CHANNEL_COLORS.some((c) => c.id === id);
}
