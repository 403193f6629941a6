// Limits of a batched stem ranges request, apart from its schema: the stem worker needs them
// without the protocol's zod schemas (0.4 MB of its bundle).
export const STEM_RANGES_MAX_PARTS = 64;
export const STEM_RANGES_MAX_PART_BYTES = 8 << 20;
export const STEM_RANGES_MAX_BYTES = 64 << 20;
/** Response header: percent-encoded JSON StemRangePart[], one per requested part. */
export const STEM_RANGES_HEADER = 'Mixroom-Parts';
/** `length` bytes of the part follow in the body, from its `from` (clamped to the file's `total`). */
export type StemRangePart = { length: number; total: number } | { error: string };
