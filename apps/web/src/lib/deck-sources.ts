// What the version player plays: master versions and reference tracks, told apart and named the
// same way everywhere (buttons, figures, spectrum legend).
import type { ReferenceInfo, VersionInfo } from '@mixroom/protocol';

export type DeckSource = VersionInfo | ReferenceInfo;

export const isReference = (s: DeckSource): s is ReferenceInfo => 'spectrum' in s;

/** "v3" or "ref “Song”". */
export const sourceLabel = (s: DeckSource) => (isReference(s) ? `ref “${s.name}”` : `v${s.number}`);

/** The switch letters: side 0 is A. */
export const sideLetter = (i: number) => String.fromCharCode(65 + i);

/**
 * The sides of the player: the versions chosen (two for A/B, or the one opened), then the
 * reference chosen to compare with, if any.
 */
export function deckSides(versions: VersionInfo[], reference: ReferenceInfo | undefined): DeckSource[] {
  return reference ? [...versions, reference] : versions;
}
