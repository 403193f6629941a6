'use client';
import { useRef, useState } from 'react';
import { BOUNCE_BIT_DEPTHS, BOUNCE_SAMPLE_RATES, bounceMix, download, exportStems, type BounceFormat } from '../lib/bounce';
import type { SessionRuntime } from '../lib/session-runtime';

type Job = { kind: 'mix' | 'stems'; progress: number } | null;

const BIT_LABEL: Record<number, string> = { 16: '16-bit PCM', 24: '24-bit PCM', 32: '32-bit float' };

/**
 * "Bounce mix" and "Export stems": offline renders through the engine's renderMix in this
 * browser, with a progress bar; the result downloads as a WAV (mix) or a zip of WAVs (stems).
 * Live playback keeps running meanwhile (see isolatedTone in lib/bounce.ts).
 */
export function BouncePanel({ runtime, ready }: { runtime: SessionRuntime; ready: boolean }) {
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<BounceFormat>({ sampleRate: 48000, bitDepth: 24 });
  const [job, setJob] = useState<Job>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const busy = useRef(false);

  const run = async (kind: 'mix' | 'stems') => {
    if (busy.current) return;
    busy.current = true;
    setMessage(null);
    setJob({ kind, progress: 0 });
    const t0 = performance.now();
    try {
      const onProgress = (f: number) => setJob({ kind, progress: f });
      const file = kind === 'mix' ? await bounceMix(runtime, format, onProgress) : await exportStems(runtime, format, onProgress);
      download(file, kind === 'mix' ? 'audio/wav' : 'application/zip');
      setMessage({ error: false, text: `${file.name} · ${(file.blob.size / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s` });
    } catch (e) {
      setMessage({ error: true, text: `Render failed: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      busy.current = false;
      setJob(null);
    }
  };

  return (
    <div className="bounce">
      <button type="button" className="bounce-toggle" data-testid="bounce-open" aria-expanded={open} onClick={() => setOpen(!open)}>
        Bounce
      </button>
      {open && (
        <div className="bounce-panel" role="dialog" aria-label="Bounce and export" data-testid="bounce-panel">
          <label>
            Format
            <select
              data-testid="bounce-bit-depth"
              value={format.bitDepth}
              disabled={job !== null}
              onChange={(e) => setFormat({ ...format, bitDepth: Number(e.target.value) as BounceFormat['bitDepth'] })}
            >
              {BOUNCE_BIT_DEPTHS.map((b) => (
                <option key={b} value={b}>
                  WAV {BIT_LABEL[b]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Sample rate
            <select
              data-testid="bounce-sample-rate"
              value={format.sampleRate}
              disabled={job !== null}
              onChange={(e) => setFormat({ ...format, sampleRate: Number(e.target.value) as BounceFormat['sampleRate'] })}
            >
              {BOUNCE_SAMPLE_RATES.map((r) => (
                <option key={r} value={r}>
                  {(r / 1000).toFixed(1)} kHz
                </option>
              ))}
            </select>
          </label>
          <div className="bounce-actions">
            <button type="button" data-testid="bounce-mix" disabled={!ready || job !== null} onClick={() => void run('mix')}>
              Bounce mix
            </button>
            <button type="button" data-testid="export-stems" disabled={!ready || job !== null} onClick={() => void run('stems')}>
              Export stems
            </button>
          </div>
          {job && (
            <div className="bounce-progress" data-testid="bounce-progress">
              <progress max={1} value={job.progress} aria-label={job.kind === 'mix' ? 'Bouncing mix' : 'Exporting stems'} />
              <span>{Math.round(job.progress * 100)}%</span>
            </div>
          )}
          {message && (
            <p className={message.error ? 'error-text' : 'bounce-done'} role={message.error ? 'alert' : 'status'} data-testid="bounce-message">
              {message.text}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
