'use client';
import { memo, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { DELIVERY_TARGETS, platformPlaybackGain, sessionDeliveryTarget, type DeliveryTarget } from '@mixroom/engine';
import { LOUDNESS_HISTORY_LENGTH, type SessionRuntime } from '../lib/session-runtime';
import type { PlatformPreview, PlatformPreviewSnapshot } from '../lib/platform-preview';
import { formatLoud } from '../lib/format';
import { MasterToTarget } from './MasterToTarget';

const NO_PREVIEW: PlatformPreviewSnapshot = { platformId: null, gainDb: 0, basis: null };
const noSubscription = () => () => {};

/** LUFS / dB with one decimal; −∞ for nothing measurable. */
function formatGain(db: number): string {
  if (!Number.isFinite(db)) return '–';
  if (Math.abs(db) < 0.05) return '0.0';
  return `${db > 0 ? '+' : '−'}${Math.abs(db).toFixed(1)}`;
}

const PLOT_TOP = 0; // LUFS at the top of the plot
const PLOT_BOTTOM = -40; // and at the bottom

/**
 * The master's live loudness (BS.1770 / EBU R128, from the AudioWorklet meter) against the
 * session's delivery target, with what each platform's normalisation would do to it.
 */
export function LoudnessPanel({ runtime, targetId, readOnly = false, live = true }: {
  runtime: SessionRuntime;
  targetId: string;
  readOnly?: boolean;
  /**
   * False while the pane is collapsed: the panel stays mounted (what it holds survives) but does
   * not follow the meter. Its readings changing ten times a second behind a collapsed pane made the
   * browser restyle and lay out the whole page as often.
   */
  live?: boolean;
}) {
  const snap = useSyncExternalStore(live ? runtime.subscribeLoudness : noSubscription, runtime.getLoudnessSnapshot, runtime.getLoudnessSnapshot);
  const preview: PlatformPreview | null = runtime.preview;
  const previewSnap = useSyncExternalStore(
    (live && preview?.subscribe) || noSubscription,
    preview?.getSnapshot ?? (() => NO_PREVIEW),
    () => NO_PREVIEW,
  );
  const target = sessionDeliveryTarget(targetId);
  const r = snap.reading;
  const integrated = r?.integrated ?? -Infinity;
  const truePeak = r?.truePeak ?? -Infinity;
  const clipping = truePeak > target.truePeakCeilingDbtp;
  const delta = Number.isFinite(integrated) ? integrated - target.integratedLufs : NaN;

  return (
    <section className="loudness" aria-label="Loudness" data-testid="loudness-panel">
      <div className="loudness-col">
        <div className="loudness-head">
          <span className="loudness-title">Loudness</span>
          <button
            type="button"
            className="loudness-reset"
            data-testid="loudness-reset"
            title="Start integrated loudness, range and peak-hold over from now"
            onClick={() => runtime.resetLoudness()}
          >
            Reset
          </button>
        </div>
        <label className="loudness-target">
          <span>Target</span>
          <select
            data-testid="target-select"
            value={target.id}
            disabled={readOnly}
            onChange={(e) => runtime.model.setDeliveryTarget(e.target.value)}
            title="Delivery target for this session (shared with everyone)"
          >
            {DELIVERY_TARGETS.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label} · {t.integratedLufs} LUFS · {t.truePeakCeilingDbtp} dBTP
              </option>
            ))}
          </select>
        </label>
        <div className="loudness-source" data-testid="target-source" title={target.notes ?? ''}>
          {target.source} · {target.sourceDate}
          {target.verified ? '' : ' · unverified'}
        </div>
        <div className="loudness-readouts">
          <Readout label="M" unit="LUFS" value={r?.momentary} testId="loudness-momentary" title="Momentary (400 ms)" />
          <Readout label="S" unit="LUFS" value={r?.shortTerm} testId="loudness-shortterm" title="Short-term (3 s)" />
          <Readout
            label="I"
            unit="LUFS"
            value={r?.integrated}
            testId="loudness-integrated"
            title="Integrated since playback started (or Reset)"
            big
            sub={Number.isFinite(delta) ? `${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(1)} LU vs target` : 'vs target: –'}
          />
          <Readout label="LRA" unit="LU" value={r?.range} testId="loudness-range" title="Loudness range" />
          <Readout
            label="TP"
            unit="dBTP"
            value={r?.truePeak}
            testId="loudness-tp"
            title={`True peak, held since playback started (or Reset); ceiling ${target.truePeakCeilingDbtp} dBTP`}
            sub={
              <span className={`loudness-clip ${clipping ? 'on' : ''}`} data-testid="loudness-clip" data-on={clipping}>
                {clipping ? 'OVER' : `≤ ${target.truePeakCeilingDbtp}`}
              </span>
            }
          />
        </div>
        <LoudnessPlot history={snap.history} target={target} />
        <MasterToTarget runtime={runtime} target={target} readOnly={readOnly} />
        {snap.error && (
          <div className="loudness-error" role="alert" data-testid="loudness-error">
            {snap.error}
          </div>
        )}
      </div>
      <div className="loudness-col">
        <table className="loudness-table" data-testid="platform-table">
          <thead>
            <tr>
              <th>Platform</th>
              <th title="Normalisation target">LUFS</th>
              <th title="Gain the platform's normalisation applies on playback">Gain</th>
              <th title="Loudness penalty: level turned down (thrown away)">Penalty</th>
              <th title="Hear the mix as this platform would play it (only you hear this; meters show the master itself)">Hear</th>
            </tr>
          </thead>
          <tbody>
            {DELIVERY_TARGETS.map((t) => {
              const g = platformPlaybackGain({ integrated, truePeak }, t);
              const measured = Number.isFinite(integrated);
              return (
                <tr key={t.id} className={t.id === target.id ? 'selected' : ''}>
                  <td title={t.label}>{t.label}</td>
                  <td>{t.integratedLufs}</td>
                  <td data-testid={`gain-${t.id}`} title={g.peakLimited ? 'raised only up to the peak ceiling' : ''}>
                    {measured ? `${formatGain(g.gainDb)}${g.peakLimited ? '*' : ''}` : '–'}
                  </td>
                  <td data-testid={`penalty-${t.id}`} className={g.loudnessPenaltyDb > 0.05 ? 'penalty' : ''}>
                    {measured ? g.loudnessPenaltyDb.toFixed(1) : '–'}
                  </td>
                  <td>
                    <PreviewRadio id={t.id} label={`Hear as ${t.label}`} preview={preview} checked={previewSnap.platformId === t.id} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <div className="loudness-foot">
          dB · * raise limited by peak headroom
          <label className="preview-off">
            <PreviewRadio id={null} preview={preview} checked={previewSnap.platformId === null} />
            Hear the master as is
          </label>
        </div>
        {previewSnap.platformId && (
          <div className="preview-status" role="status" data-testid="preview-status" data-gain={previewSnap.gainDb}>
            Hearing {DELIVERY_TARGETS.find((x) => x.id === previewSnap.platformId)?.label}: {formatGain(previewSnap.gainDb)} dB
            {previewSnap.basis && Number.isFinite(previewSnap.basis.integrated)
              ? ` (from ${formatLoud(previewSnap.basis.integrated)} LUFS integrated since play started)`
              : ' (play to measure)'}
          </div>
        )}
      </div>
    </section>
  );
}

/**
 * One "hear as" choice. Its own memoised component: React writes a radio's name and type back to
 * the DOM on every render of it, and each write restyled the page, while the readings around it
 * change ten times a second.
 */
const PreviewRadio = memo(function PreviewRadio({ id, label, preview, checked }: { id: string | null; label?: string; preview: PlatformPreview | null; checked: boolean }) {
  return (
    <input
      type="radio"
      name="platform-preview"
      aria-label={label}
      data-testid={`preview-${id ?? 'off'}`}
      disabled={!preview}
      checked={checked}
      onChange={() => preview?.select(id)}
    />
  );
});

function Readout({
  label,
  unit,
  value,
  testId,
  title,
  sub,
  big,
}: {
  label: string;
  unit: string;
  value: number | undefined;
  testId: string;
  title: string;
  sub?: React.ReactNode;
  big?: boolean;
}) {
  return (
    <div className={`loudness-readout ${big ? 'big' : ''}`} title={title}>
      <span className="lr-label">{label}</span>
      <span className="lr-value" data-testid={testId} data-value={value === undefined ? '' : String(value)}>
        {formatLoud(value)}
      </span>
      <span className="lr-unit">{unit}</span>
      {sub !== undefined && <span className="lr-sub">{sub}</span>}
    </div>
  );
}

/** Short-term loudness over the last minute, with the target's integrated level dashed. */
function LoudnessPlot({ history, target }: { history: readonly number[]; target: DeliveryTarget }) {
  const ref = useRef<HTMLCanvasElement>(null);
  // Its size comes from a ResizeObserver: reading clientWidth at each of ten readings a second
  // laid out the whole page each time.
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const ro = new ResizeObserver(([e]) => setSize((cur) => (cur && cur.w === e.contentRect.width && cur.h === e.contentRect.height ? cur : { w: e.contentRect.width, h: e.contentRect.height })));
    ro.observe(canvas);
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !size) return;
    const dpr = window.devicePixelRatio || 1;
    const { w, h } = size;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const y = (lufs: number) => ((PLOT_TOP - Math.min(PLOT_TOP, Math.max(PLOT_BOTTOM, lufs))) / (PLOT_TOP - PLOT_BOTTOM)) * h;
    ctx.font = '9px ui-monospace, monospace';
    for (let l = -10; l > PLOT_BOTTOM; l -= 10) {
      ctx.strokeStyle = 'rgba(255,255,255,0.06)';
      ctx.beginPath();
      ctx.moveTo(0, y(l) + 0.5);
      ctx.lineTo(w, y(l) + 0.5);
      ctx.stroke();
      ctx.fillStyle = 'rgba(255,255,255,0.3)';
      ctx.fillText(String(l), 2, y(l) - 2);
    }
    ctx.strokeStyle = 'rgba(245,165,36,0.7)';
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(0, y(target.integratedLufs) + 0.5);
    ctx.lineTo(w, y(target.integratedLufs) + 0.5);
    ctx.stroke();
    ctx.setLineDash([]);
    const step = w / (LOUDNESS_HISTORY_LENGTH - 1);
    const x0 = w - (history.length - 1) * step;
    ctx.strokeStyle = '#9be9a8';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let pen = false;
    history.forEach((v, i) => {
      if (!Number.isFinite(v) || v < PLOT_BOTTOM) {
        pen = false;
        return;
      }
      const x = x0 + i * step;
      if (pen) ctx.lineTo(x, y(v));
      else ctx.moveTo(x, y(v));
      pen = true;
    });
    ctx.stroke();
    ctx.lineWidth = 1;
  }, [history, target, size]);
  return <canvas ref={ref} className="loudness-plot" data-testid="loudness-plot" aria-label="Short-term loudness, last 60 s" />;
}
