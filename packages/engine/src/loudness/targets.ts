/**
 * Delivery targets and how each platform's loudness normalisation would treat a master.
 * Figures and their confidence come from /work/shared/reference/loudness-standards.md §5
 * (research notes, Nov 2025 – Jan 2026). `verified: false` marks figures the notes could
 * only find in secondary or observational sources.
 */

export type PlatformId =
  | 'spotify'
  | 'apple-music'
  | 'youtube'
  | 'amazon-music'
  | 'tidal'
  | 'deezer'
  | 'podcast'
  | 'ebu-r128'
  | 'atsc-a85'
  | 'cd-club'
  | 'custom';

/**
 * How playback normalisation changes level:
 * - down: loud masters are turned down to the target;
 * - up 'none': quiet masters stay quiet; 'full': raised to target regardless of peaks
 *   (broadcast-style normalisation); 'peak-limited': raised only until the true peak
 *   reaches `upPeakCeilingDbtp`.
 */
export interface NormalizationPolicy {
  down: boolean;
  up: 'none' | 'full' | 'peak-limited';
  upPeakCeilingDbtp?: number;
}

export interface DeliveryTarget {
  id: PlatformId;
  label: string;
  integratedLufs: number;
  truePeakCeilingDbtp: number;
  normalization: NormalizationPolicy;
  source: string;
  sourceDate: string;
  verified: boolean;
  notes?: string;
}

export const DELIVERY_TARGETS: readonly DeliveryTarget[] = [
  {
    id: 'spotify',
    label: 'Spotify',
    integratedLufs: -14,
    truePeakCeilingDbtp: -1,
    normalization: { down: true, up: 'peak-limited', upPeakCeilingDbtp: -1 },
    source: 'support.spotify.com "Loudness normalization"',
    sourceDate: 'current page (read 2025/2026)',
    verified: true,
    notes:
      'Normal −14; Loud −11 (limiter at −1 dB); Quiet −19. Quiet tracks are raised only with 1 dB headroom (−20 LUFS / −5 dBFS peak → −16). Album mode applies one gain per album.',
  },
  {
    id: 'apple-music',
    label: 'Apple Music (Sound Check)',
    integratedLufs: -16,
    truePeakCeilingDbtp: -1,
    normalization: { down: true, up: 'peak-limited', upPeakCeilingDbtp: -1 },
    source: 'secondary sources; Apple publishes no LUFS figure',
    sourceDate: 'n/a',
    verified: false,
    notes: '−1 dBTP because of AAC transcoding. Upward behaviour assumed peak-limited (unverified).',
  },
  {
    id: 'youtube',
    label: 'YouTube',
    integratedLufs: -14,
    truePeakCeilingDbtp: -1,
    normalization: { down: true, up: 'none' },
    source: 'productionadvice.co.uk (observational)',
    sourceDate: 'n/a',
    verified: false,
    notes: 'Observed to turn loud videos down only. YouTube Music reportedly −7.',
  },
  {
    id: 'amazon-music',
    label: 'Amazon Music',
    integratedLufs: -14,
    truePeakCeilingDbtp: -2,
    normalization: { down: true, up: 'none' },
    source: 'Google Cloud Transcoder docs ("−14 … Spotify, as well as Amazon Echo")',
    sourceDate: 'n/a',
    verified: false,
    notes: 'The −2 dBTP ceiling is often quoted but unverified; upward behaviour unknown, assumed none.',
  },
  {
    id: 'tidal',
    label: 'Tidal',
    integratedLufs: -14,
    truePeakCeilingDbtp: -1,
    normalization: { down: true, up: 'none' },
    source: 'meterplugs.com, from Tidal',
    sourceDate: '2016',
    verified: true,
    notes: 'BS.1770-4, album mode; does not raise quiet tracks.',
  },
  {
    id: 'deezer',
    label: 'Deezer',
    integratedLufs: -15,
    truePeakCeilingDbtp: -1,
    normalization: { down: true, up: 'none' },
    source: 'secondary sources',
    sourceDate: 'n/a',
    verified: false,
  },
  {
    id: 'podcast',
    label: 'Podcast (Apple spec)',
    integratedLufs: -16,
    truePeakCeilingDbtp: -1,
    normalization: { down: false, up: 'none' },
    source: 'Apple "Audio requirements", as quoted by secondary pages',
    sourceDate: 'n/a',
    verified: false,
    notes: '−16 LUFS stereo ±1 dB; mono −19. A delivery spec, not playback normalisation.',
  },
  {
    id: 'ebu-r128',
    label: 'EBU R128 broadcast',
    integratedLufs: -23,
    truePeakCeilingDbtp: -1,
    normalization: { down: true, up: 'full' },
    source: 'EBU R128 rev. 3; EBU Tech 3343',
    sourceDate: '2020 / 2023',
    verified: true,
    notes: '±0.2 LU general, ±1.0 LU live. −2 dBTP for MPEG-1 L2 / AC-3 emission.',
  },
  {
    id: 'atsc-a85',
    label: 'ATSC A/85 (US broadcast)',
    integratedLufs: -24,
    truePeakCeilingDbtp: -2,
    normalization: { down: true, up: 'full' },
    source: 'Google Cloud Transcoder docs, apu.software (A/85 itself not read)',
    sourceDate: 'n/a',
    verified: false,
    notes: 'Dialnorm-anchored; tolerance unverified.',
  },
  {
    id: 'cd-club',
    label: 'CD / club (loud)',
    integratedLufs: -8,
    truePeakCeilingDbtp: -0.3,
    normalization: { down: false, up: 'none' },
    source: 'mastering practice, not a standard',
    sourceDate: 'n/a',
    verified: false,
    notes: 'Typically −9 to −6 LUFS integrated with a −0.3…−0.1 dBTP ceiling; nothing is normalised on playback.',
  },
];

export function getDeliveryTarget(id: Exclude<PlatformId, 'custom'>): DeliveryTarget {
  const t = DELIVERY_TARGETS.find((d) => d.id === id);
  if (!t) throw new RangeError(`unknown delivery target ${id}`);
  return t;
}

/** A user-defined target; by default it normalises both ways like a broadcast spec. */
export function customTarget(
  integratedLufs: number,
  truePeakCeilingDbtp: number,
  normalization: NormalizationPolicy = { down: true, up: 'full' },
  label = 'Custom',
): DeliveryTarget {
  if (!Number.isFinite(integratedLufs) || !Number.isFinite(truePeakCeilingDbtp)) {
    throw new RangeError('custom target needs finite integratedLufs and truePeakCeilingDbtp');
  }
  return {
    id: 'custom',
    label,
    integratedLufs,
    truePeakCeilingDbtp,
    normalization,
    source: 'user-defined',
    sourceDate: 'n/a',
    verified: true,
  };
}

export interface PlaybackGain {
  /** Gain the platform applies on playback, dB (negative = turned down). */
  gainDb: number;
  /** Loudness the listener hears, LUFS. */
  playbackLufs: number;
  /** True peak after the gain, dBTP. */
  playbackTruePeak: number;
  /**
   * "Loudness penalty": dB by which a too-loud master is turned down (≥ 0). Level bought
   * with limiting above the target is simply thrown away on this platform.
   */
  loudnessPenaltyDb: number;
  /** How far below the target it plays (≥ 0): quiet masters the platform does not (fully) raise. */
  shortfallDb: number;
  /** Upward gain was capped by peak headroom. */
  peakLimited: boolean;
  /** True peak of the master exceeds the delivery ceiling. */
  exceedsPeakCeiling: boolean;
}

/**
 * What a platform's normalisation does to a master measured at `measured.integrated` LUFS
 * with `measured.truePeak` dBTP. Silent/unmeasurable masters (−Infinity) get 0 dB.
 */
export function platformPlaybackGain(
  measured: { integrated: number; truePeak: number },
  target: DeliveryTarget,
): PlaybackGain {
  const { integrated, truePeak } = measured;
  const pol = target.normalization;
  let gain = 0;
  let peakLimited = false;
  if (Number.isFinite(integrated)) {
    const delta = target.integratedLufs - integrated;
    if (delta < 0) {
      gain = pol.down ? delta : 0;
    } else if (pol.up === 'full') {
      gain = delta;
    } else if (pol.up === 'peak-limited') {
      const ceiling = pol.upPeakCeilingDbtp ?? target.truePeakCeilingDbtp;
      const headroom = Number.isFinite(truePeak) ? Math.max(0, ceiling - truePeak) : delta;
      gain = Math.min(delta, headroom);
      peakLimited = headroom < delta;
    }
  }
  const playbackLufs = integrated + gain;
  return {
    gainDb: gain,
    playbackLufs,
    playbackTruePeak: truePeak + gain,
    loudnessPenaltyDb: gain < 0 ? -gain : 0,
    shortfallDb: Number.isFinite(integrated) ? Math.max(0, target.integratedLufs - playbackLufs) : 0,
    peakLimited,
    exceedsPeakCeiling: truePeak > target.truePeakCeilingDbtp,
  };
}
