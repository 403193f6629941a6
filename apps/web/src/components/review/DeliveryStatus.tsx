'use client';
// What the FLAC/MP3 downloads of a version are doing: "Encoding MP3… 40 %" while the server
// makes them (progress from the review room), and, once made, whether the MP3 had to be turned
// down to keep its decoded peaks under the delivery target's ceiling.
import type { DeliveryProgress, VersionInfo } from '@mixroom/protocol';

const NAMES = { flac: 'FLAC', mp3: 'MP3' } as const;

/** One line for people, e.g. "Encoding MP3 0.41 dB lower… 40 %". */
export function deliveryProgressText(p: DeliveryProgress): string {
  const name = NAMES[p.format];
  if (p.stage === 'failed') return `${name} could not be made: ${p.error ?? 'unknown error'}`;
  if (p.stage === 'checking') return `Checking ${name} peaks after decoding…`;
  if (p.stage === 'ready') return `${name} ready`;
  const lower = p.gainDb < 0 ? ` ${Math.abs(p.gainDb).toFixed(2)} dB lower` : '';
  return `Encoding ${name}${lower}… ${Math.round(p.fraction * 100)} %`;
}

export function DeliveryStatus({ version, progress }: { version: VersionInfo; progress: Partial<Record<string, DeliveryProgress>> }) {
  const running = (['flac', 'mp3'] as const).map((f) => progress[`${version.id}:${f}`]).filter((p): p is DeliveryProgress => !!p);
  const mp3 = version.deliveries?.mp3;
  if (!running.length && !(mp3 && mp3.gainDb < 0)) return null;
  return (
    <div className="small" data-testid="delivery-status">
      {running.map((p) => (
        <div key={p.format} role={p.stage === 'failed' ? 'alert' : 'status'} data-testid={`delivery-progress-${p.format}`}>
          {deliveryProgressText(p)}
          {p.stage === 'encoding' && <progress max={1} value={p.fraction} aria-label={`${NAMES[p.format]} encoding progress`} />}
        </div>
      ))}
      {mp3 && mp3.gainDb < 0 && <div className="muted" data-testid="delivery-note-mp3">{mp3.note}</div>}
    </div>
  );
}
