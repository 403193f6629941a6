'use client';
// Codec preview of the version open in the player: pick a codec, the master is encoded and decoded
// in this browser (lib/codec-preview.ts) and added to the player as "decoded" and "what it
// removes", switchable sample-aligned against the original; the decoded true peak is shown against
// the delivery ceiling.
import { useEffect, useState } from 'react';
import { DELIVERY_TARGETS } from '@mixroom/engine';
import { makeCodecPreview, opusAvailable, PREVIEW_CODECS, type CodecPreview, type PreviewCodec } from '../../lib/codec-preview';

/** The streaming platforms' usual ceiling (Spotify's target, also the server's MP3 default). */
const CEILING_DBTP = DELIVERY_TARGETS[0].truePeakCeilingDbtp;
const MP3_RATES = [32000, 44100, 48000];

export function CodecPreviewPanel({ ctx, source, preview, onPreview }: {
  ctx: AudioContext;
  source: AudioBuffer | null;
  preview: CodecPreview | null;
  onPreview: (p: CodecPreview | null) => void;
}) {
  const [opus, setOpus] = useState(false);
  const [busy, setBusy] = useState<{ codec: PreviewCodec; fraction: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (source) void opusAvailable(source.sampleRate, source.numberOfChannels).then(setOpus);
  }, [source]);
  if (!source) return null;

  const run = async (codec: PreviewCodec) => {
    setError(null);
    setBusy({ codec, fraction: 0 });
    try {
      onPreview(await makeCodecPreview(ctx, source, codec, CEILING_DBTP, (fraction) => setBusy({ codec, fraction })));
    } catch (e) {
      setError(`${PREVIEW_CODECS[codec].label}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(null);
    }
  };
  const available = (c: PreviewCodec) => (c === 'opus-128' ? opus : MP3_RATES.includes(source.sampleRate));
  const over = preview ? preview.check.overCeilingDb > 0.05 : false;

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
        <p
          className={over ? 'error-text' : 'muted'}
          data-testid="codec-result"
          data-true-peak={preview.check.truePeakDbtp.toFixed(2)}
          data-difference-db={preview.check.differenceDb.toFixed(1)}
          data-delay={preview.check.delay}
        >
          {PREVIEW_CODECS[preview.codec].label} decoded: true peak {preview.check.truePeakDbtp.toFixed(1)} dBTP — {over ? `${preview.check.overCeilingDb.toFixed(1)} dB over` : 'under'} the {CEILING_DBTP.toFixed(1)} dBTP ceiling;
          what it removes is {(-preview.check.differenceDb).toFixed(1)} dB below the music.
        </p>
      )}
      {error && <p className="error-text" role="alert">{error}</p>}
    </div>
  );
}
