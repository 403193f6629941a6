import { CHANNEL_COLORS, orderChannels } from '@mixroom/engine';

/**
 * The order channels are shown in. The mix document stores an `order` per channel that is the
 * order stems finished uploading (addChannel appends), which reads as random; people expect the
 * file-name order their DAW exported ("01 Kick", "02 Snare", … "10 Bass"), so by default the
 * view sorts by name with numbers compared as numbers. Every browser derives the same order from
 * the names. Once someone drags a channel, the moved channels carry shared position keys in the
 * mix document (the engine's channel-order.ts) and come first in that order for everyone;
 * channels never placed (e.g. uploaded later) follow in name order.
 */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}

const byName = (a: { name: string; id: string }, b: { name: string; id: string }) =>
  naturalCompare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function inFileNameOrder<T extends { name: string; id: string }>(channels: readonly T[]): T[] {
  return [...channels].sort(byName);
}

/** Console order: the shared positions where someone placed channels, file-name order for the rest. */
export function inConsoleOrder<T extends { name: string; id: string; position: string | null }>(channels: readonly T[]): T[] {
  return orderChannels(channels, byName);
}

/** A channel's colour: the one someone chose, else the lane colour its stem got by upload order. */
export function channelColor(channel: { color: string | null }, fallback: string): string {
  return CHANNEL_COLORS.find((c) => c.id === channel.color)?.hex ?? fallback;
}
