/**
 * Notes on an accepted stem that the person uploading it should see, in plain words: it is
 * stored and in the mix, but something about it is probably not what they meant.
 */
export interface StemFacts {
  name: string;
  sampleRate: number;
  durationSec: number;
}

/** Shorter than this is almost certainly a broken or wrong export, not a stem. */
export const SHORT_STEM_SEC = 0.5;

export function stemNotes(stem: StemFacts, others: readonly Pick<StemFacts, 'name' | 'sampleRate'>[]): string[] {
  const notes: string[] = [];
  if (stem.durationSec < SHORT_STEM_SEC) {
    const len = stem.durationSec < 1 ? `${Math.round(stem.durationSec * 1000)} ms` : `${stem.durationSec.toFixed(1)} s`;
    notes.push(`this file is only ${len} long: check that the whole song was exported`);
  }
  const rate = sessionRate(others);
  if (rate !== null && rate !== stem.sampleRate) {
    notes.push(`this file is at ${khz(stem.sampleRate)}, the session at ${khz(rate)}: it plays converted to the session's rate`);
  }
  const key = stem.name.trim().toLowerCase();
  if (others.some((o) => o.name.trim().toLowerCase() === key)) {
    notes.push(`another channel is already called "${stem.name.trim()}": rename one of them to tell them apart`);
  }
  return notes;
}

/** The rate most of the other stems have; null when there are none. */
function sessionRate(others: readonly { sampleRate: number }[]): number | null {
  const counts = new Map<number, number>();
  for (const o of others) counts.set(o.sampleRate, (counts.get(o.sampleRate) ?? 0) + 1);
  let best: number | null = null;
  let most = 0;
  for (const [rate, n] of counts) if (n > most) [best, most] = [rate, n];
  return best;
}

const khz = (hz: number) => `${(hz / 1000).toLocaleString('en', { maximumFractionDigits: 2 })} kHz`;

/** Notes travel in a response header: JSON, percent-encoded so that any name stays ASCII. */
export const encodeNotesHeader = (notes: readonly string[]) => encodeURIComponent(JSON.stringify(notes));
