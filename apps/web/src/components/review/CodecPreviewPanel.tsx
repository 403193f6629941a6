'use client';
// Codec preview of the version open in the player: pick a codec, the master is encoded and decoded
// in this browser (lib/codec-preview.ts) and added to the player as "decoded" and "what it
// removes", switchable sample-aligned against the original; the decoded true peak is judged
// against the session's delivery target's ceiling (named), with the master limiter's beside it.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { codecCeiling, judgePeak, type CodecCeiling } from '../../lib/codec-ceiling';
import { makeCodecPreview, opusAvailable, PREVIEW_CODECS, type CodecPreview, type PreviewCodec } from '../../lib/codec-preview';
import type { SessionRuntime } from '../../lib/session-runtime';

const MP3_RATES = [32000, 44100, 48000];
const db = (x: number) => x.toFixed(1).replace('-', '−');

/** The ceiling from the shared mix (target, limiter); a string snapshot so meters do not re-render this. */
function useCeiling(runtime: SessionRuntime): CodecCeiling {
  const key = useSyncExternalStore(runtime.subscribe, () => {
    const { deliveryTarget, master } = runtime.getSnapshot().mix;
    return JSON.stringify(codecCeiling(deliveryTarget, master));
  }, () => '');
  return key ? (JSON.parse(key) as CodecCeiling) : codecCeiling('', null);
}

export function CodecPreviewPanel({ runtime, ctx, source, preview, onPreview }: {
  runtime: SessionRuntime;
  ctx: AudioContext;
  source: AudioBuffer | null;
  preview: CodecPreview | null;
  onPreview: (p: CodecPreview | null) => void;
}) {
  const [opus, setOpus] = useState(false);
  const [busy, setBusy] = useState<{ codec: PreviewCodec; fraction: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ceiling = useCeiling(runtime);
  useEffect(() => {
    if (source) void opusAvailable(source.sampleRate, source.numberOfChannels).then(setOpus);
  }, [source]);
  if (!source) return null;

  const run = async (codec: PreviewCodec) => {
    setError(null);
    setBusy({ codec, fraction: 0 });
    try {
      onPreview(await makeCodecPreview(ctx, source, codec, ceiling.dbtp, (fraction) => setBusy({ codec, fraction })));
    } catch (e) {
      setError(`${PREVIEW_CODECS[codec].label}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(null);
    }
  };
  const available = (c: PreviewCodec) => (c === 'opus-128' ? opus : MP3_RATES.includes(source.sampleRate));
  // Judged here, not when encoded: changing the session's target re-judges the preview shown.
  const verdict = preview ? judgePeak(preview.check.truePeakDbtp, ceiling.dbtp) : null;
  const over = verdict?.over ?? false;
  const limiter = preview && ceiling.limiterDbtp !== null ? judgePeak(preview.check.truePeakDbtp, ceiling.limiterDbtp) : null;

  return (
    <div className="codec-preview" data-testid="codec-preview">
      <span className="muted">Hear it as the platforms will:</span>
      {(Object.keys(PREVIEW_CODECS) as PreviewCodec[]).map((c) => (
        <button
          key={c} type="button" data-testid={`codec-${c}`} aria-pressed={preview?.codec === c} disabled={busy !== null || !available(c)}
          title={available(c) ? `Encode and decode with ${PREVIEW_CODECS[c].label} in this browser` : c === 'opus-128' ? 'This browser cannot encode Opus (WebCodecs)' : 'MP3 needs 32, 44.1 or 48 kHz'}
          onClick={() => (preview?.codec === c ? onPreview(null) : void run(c))}
        >
          {PREVIEW_CODECS[c].label}
        </button>
      ))}
      {busy && <span className="muted" data-testid="codec-busy">{PREVIEW_CODECS[busy.codec].label}… {Math.round(busy.fraction * 100)} %</span>}
      {preview && (
        <div
          className="codec-result"
          data-testid="codec-result"
          data-true-peak={preview.check.truePeakDbtp.toFixed(2)}
          data-difference-db={preview.check.differenceDb.toFixed(1)}
          data-delay={preview.check.delay}
          data-ceiling={ceiling.dbtp.toFixed(1)}
          data-limiter-ceiling={ceiling.limiterDbtp?.toFixed(1)}
        >
          <p>{PREVIEW_CODECS[preview.codec].label} decoded: true peak {db(preview.check.truePeakDbtp)} dBTP</p>
          <p className={over ? 'error-text' : 'muted'} data-testid="codec-ceiling">
            {over ? `${db(verdict!.overDb)} dB over` : 'Under'} {ceiling.platform}’s {db(ceiling.dbtp)} dBTP ceiling (the session’s delivery target)
          </p>
          {limiter && (
            <p className={limiter.over ? 'error-text' : 'muted'} data-testid="codec-limiter">
              {limiter.over ? `${db(limiter.overDb)} dB over` : 'Under'} the master limiter’s {db(ceiling.limiterDbtp!)} dBTP ceiling
            </p>
          )}
          <p className="muted">What it removes is {db(-preview.check.differenceDb)} dB below the music.</p>
        </div>
      )}
      {error && <p className="error-text" role="alert">{error}</p>}
    </div>
  );
}
