/**
 * The order channels are shown in. The mix document stores an `order` per channel that is the
 * order stems finished uploading (addChannel appends), which reads as random; people expect the
 * file-name order their DAW exported ("01 Kick", "02 Snare", … "10 Bass"), so the view sorts by
 * name with numbers compared as numbers. Every browser derives the same order from the names,
 * so collaborators see the same console without writing anything to the document.
 */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}

export function inFileNameOrder<T extends { name: string; id: string }>(channels: readonly T[]): T[] {
  return [...channels].sort((a, b) => naturalCompare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
