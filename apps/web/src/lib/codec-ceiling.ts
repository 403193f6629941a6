// Which true-peak ceiling a codec preview is judged against: the session's delivery target's (each
// platform has its own, e.g. Amazon Music −2, CD/club −0.3 dBTP), named, and the master limiter's
// own ceiling beside it when that differs — the limiter keeps the *master* under its ceiling, but
// the platform's ceiling is what the *decoded* stream has to stay under.
import { sessionDeliveryTarget, type MixState } from '@mixroom/engine';

/** Ceilings closer than this are the same ceiling (the limiter's control steps by 0.1 dB). */
const SAME_DB = 0.05;

export interface CodecCeiling {
  /** The ceiling the decoded true peak is judged against (the delivery target's), dBTP. */
  dbtp: number;
  /** The delivery target's label ("Spotify", "Amazon Music"). */
  platform: string;
  /** The master limiter's ceiling when the limiter is on and its ceiling differs from `dbtp`; otherwise null. */
  limiterDbtp: number | null;
}

export interface CeilingVerdict {
  /** dB by which the decoded true peak exceeds the ceiling (≤ 0: under it). */
  overDb: number;
  over: boolean;
}

export function codecCeiling(targetId: string, master: Pick<MixState['master'], 'params'> | null): CodecCeiling {
  const target = sessionDeliveryTarget(targetId);
  const on = master ? master.params['limiter.on'] >= 0.5 : false;
  const limiter = master?.params['limiter.ceiling'];
  const differs = on && typeof limiter === 'number' && Number.isFinite(limiter) && Math.abs(limiter - target.truePeakCeilingDbtp) >= SAME_DB;
  return { dbtp: target.truePeakCeilingDbtp, platform: target.label, limiterDbtp: differs ? limiter : null };
}

/** A decoded true peak against a ceiling; within 0.05 dB counts as under (figures are shown to 0.1 dB). */
export function judgePeak(truePeakDbtp: number, ceilingDbtp: number): CeilingVerdict {
  const overDb = truePeakDbtp - ceilingDbtp;
  return { overDb, over: overDb > SAME_DB };
}
