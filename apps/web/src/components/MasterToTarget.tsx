'use client';
import { useContext, useState, useSyncExternalStore } from 'react';
import type { DeliveryTarget, MasterToTargetResult } from '@mixroom/engine';
import type { MasterDriftWatch } from '../lib/master-drift';
import { runMasterToTarget } from '../lib/master-to-target';
import { masterVerdict } from '../lib/master-verdict';
import type { SessionRuntime } from '../lib/session-runtime';
import { formatLoud } from '../lib/format';
import { MixContext } from './mix-context';

type MasteringState =
  | { status: 'idle' }
  | { status: 'running'; fraction: number; stage: string }
  | { status: 'done'; result: MasterToTargetResult }
  | { status: 'error'; message: string };

const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)}`;

/**
 * Analyses an offline render and sets the master's limiter drive, ceiling and output gain so the
 * master lands on the session's target; says what it did. The new settings go into the shared mix.
 */
export function MasterToTarget({ runtime, target, readOnly }: { runtime: SessionRuntime; target: DeliveryTarget; readOnly: boolean }) {
  const [state, setState] = useState<MasteringState>({ status: 'idle' });
  const drift = useContext(MixContext)?.drift;
  const running = state.status === 'running';
  const start = () => {
    setState({ status: 'running', fraction: 0, stage: 'rendering the mix' });
    runMasterToTarget(runtime, target, (fraction, stage) => setState({ status: 'running', fraction, stage })).then(
      (result) => {
        setState({ status: 'done', result });
        // From now on, a change of the mix is checked against this master.
        drift?.setLocalReference(runtime.model.getState());
      },
      (e: unknown) => setState({ status: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
  };
  return (
    <div className="master-target" data-testid="master-to-target">
      <button
        type="button"
        className="btn-primary master-target-run"
        data-testid="master-to-target-run"
        disabled={readOnly || running || !runtime.Tone}
        title={readOnly ? 'Your role cannot change the mix' : `Set the master limiter and gain so the song lands on ${target.integratedLufs} LUFS, ≤ ${target.truePeakCeilingDbtp} dBTP`}
        onClick={start}
      >
        Master to {target.label}
      </button>
      {state.status === 'running' && (
        <div className="master-target-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(state.fraction * 100)} data-testid="master-to-target-progress">
          <div className="bar" style={{ width: `${Math.round(state.fraction * 100)}%` }} />
          <span>{state.stage}…</span>
        </div>
      )}
      {state.status === 'done' && (
        <div
          className={`master-target-report ${masterVerdict(state.result).kind === 'ok' ? 'ok' : 'missed'}`}
          data-verdict={masterVerdict(state.result).kind}
          role="status"
          data-testid="master-to-target-report"
          data-integrated={state.result.after.integrated}
          data-true-peak={state.result.after.truePeak}
        >
          {masterVerdict(state.result).headline}: {formatLoud(state.result.after.integrated)} LUFS · LRA{' '}
          {formatLoud(state.result.after.range)} LU · TP {formatLoud(state.result.after.truePeak)} dBTP (was {formatLoud(state.result.before.integrated)} LUFS,{' '}
          {formatLoud(state.result.before.truePeak)} dBTP). Limiter drive {signed(state.result.params['limiter.drive'])} dB, ceiling{' '}
          {state.result.params['limiter.ceiling'].toFixed(1)} dBTP, output {signed(state.result.params.gain)} dB; level {signed(state.result.gainChangeDb)} LU, peaks limited by up to{' '}
          {state.result.maxGainReductionDb.toFixed(1)} dB.
        </div>
      )}
      {drift && <DriftNote drift={drift} />}
      {state.status === 'error' && (
        <div className="loudness-error" role="alert" data-testid="master-to-target-error">
          Master to target failed: {state.message}
        </div>
      )}
    </div>
  );
}

const noSubscription = () => () => {};
const NONE = { kind: 'none' } as const;

/**
 * Says when the mix no longer matches its master, and what the changed mix measures against the
 * target (a warning when it is off). `versionId`: only when that version is the master.
 */
export function DriftNote({ drift, versionId }: { drift: MasterDriftWatch | undefined; versionId?: string }) {
  const state = useSyncExternalStore(drift?.subscribe ?? noSubscription, drift?.getSnapshot ?? (() => NONE), () => NONE);
  if (state.kind === 'none') return null;
  if (versionId !== undefined && state.ref.versionId !== versionId) return null;
  const label = state.ref.label ? ` (${state.ref.label})` : '';
  const changes = drift?.changes() ?? [];
  const what = changes.length > 0 ? <span className="drift-changes" data-testid="master-drift-changes"> Now different: {changes.join(', ')}.</span> : null;
  const measure = drift ? (
    <button type="button" className="link-button" data-testid="master-drift-measure" disabled={state.kind === 'measuring'} onClick={() => void drift.measure()} title="Render the mix now and measure its loudness against the target">
      {state.kind === 'measured' || state.kind === 'error' ? 'Measure again' : 'Measure it'}
    </button>
  ) : null;
  if (state.kind === 'changed') {
    return (
      <div className="drift-note off" role="alert" data-testid="master-drift" data-state="changed">
        <span aria-hidden>⚠ </span>The mix changed after this master{label}: it may no longer be on target.{what} {measure}
      </div>
    );
  }
  if (state.kind === 'measuring') {
    return (
      <div className="drift-note" role="status" data-testid="master-drift" data-state="measuring">
        The mix changed after this master{label}: measuring it… {Math.round(state.fraction * 100)}%{what}
      </div>
    );
  }
  if (state.kind === 'error') {
    return (
      <div className="drift-note off" role="alert" data-testid="master-drift" data-state="error">
        The mix changed after this master{label}; measuring it failed: {state.message} {measure}
      </div>
    );
  }
  return (
    <div
      className={`drift-note ${state.off ? 'off' : ''}`}
      role={state.off ? 'alert' : 'status'}
      data-testid="master-drift"
      data-state={state.off ? 'off-target' : 'on-target'}
      data-integrated={state.reading.integrated}
      data-true-peak={state.reading.truePeak}
    >
      {state.off && <span aria-hidden>⚠ </span>}
      {state.text}.{what} {measure}
    </div>
  );
}
