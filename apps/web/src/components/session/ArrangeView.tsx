'use client';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { AutomationPoint, ChannelState, Peaks } from '@mixroom/engine';
import { formatTime, slug } from '../../lib/format';
import { fetchPeaks } from '../../lib/peaks';
import type { RuntimeSnapshot, SessionRuntime, StemLoad } from '../../lib/session-runtime';
import { Waveform } from '../Waveform';
import { PlayheadCanvas } from './PlayheadCanvas';
import { usePersistentState } from './panes';
import { AutomationHeads, CurveOverlay } from './AutomationLanes';
import { AutomationLaneEditor } from './AutomationLaneEditor';
import { AutomationToolbar, type AutomationTool } from './AutomationToolbar';
import { shownLanes } from './AutomationLaneMenu';
import { BusLaneHeads, BusLaneTracks, stripKey, type StripLanes } from './BusLanes';
import { useSliceReveal } from '../use-slice-reveal';
import { LIST_SLICES } from '../../lib/slice-reveal';

const LANE_MIN = 24;
const LANE_MAX = 160;

export function ArrangeView({
  runtime,
  snap,
  channels,
  colorOf,
  commentStrip,
  onEditStem,
}: {
  runtime: SessionRuntime;
  snap: RuntimeSnapshot;
  /** In display order. */
  channels: readonly ChannelState[];
  loads: ReadonlyMap<string, StemLoad>;
  colorOf: ReadonlyMap<string, string>;
  /** Opens a channel's stem panel; absent for roles without `stems.manage`. */
  onEditStem?: (channelId: string) => void;
  /** The review loop's comment markers, drawn under the ruler on the same time axis. */
  commentStrip?: React.ReactNode;
}) {
  const sectionRef = useRef<HTMLElement>(null);
  // Small lanes show two dozen tracks on a laptop; tall ones show the waveform's detail.
  const [laneHeight, setLaneHeight] = usePersistentState<number>('mixroom.laneHeight', 52);
  // Strips whose automation lanes are unfolded (stripKey: channel ids, "fx:reverb", "master").
  const [openAutoText, setOpenAuto] = usePersistentState<string>('mixroom.automationOpen', '');
  const openAuto = openAutoText.split('\n').filter(Boolean);
  // Lanes opened from a strip's "+ lane" menu ("<strip key>/<param id>"; lanes with points show anyway).
  const [addedText, setAdded] = usePersistentState<string>('mixroom.automationLanes', '');
  const added = addedText.split('\n').filter(Boolean);
  const strips: StripLanes = {
    isOpen: (scope) => openAuto.includes(stripKey(scope)),
    toggle: (scope) => {
      const k = stripKey(scope);
      setOpenAuto((openAuto.includes(k) ? openAuto.filter((c) => c !== k) : [...openAuto, k]).join('\n'));
    },
    lanesOf: (scope) => {
      const k = `${stripKey(scope)}/`;
      return shownLanes(runtime, scope, added.filter((a) => a.startsWith(k)).map((a) => a.slice(k.length)));
    },
    add: (scope, paramId) => {
      const k = `${stripKey(scope)}/${paramId}`;
      setAdded([...added.filter((a) => a !== k), k].join('\n'));
    },
    remove: (scope, paramId) => setAdded(added.filter((a) => a !== `${stripKey(scope)}/${paramId}`).join('\n')),
  };
  const channelScope = (channelId: string) => ({ kind: 'channel' as const, channelId });
  const [tool, setTool] = useState<AutomationTool>('point');
  const [snapOn, setSnap] = usePersistentState<boolean>('mixroom.automationSnap', false);
  const tools = { tool, snap: snapOn };
  const areaRef = useRef<HTMLDivElement>(null);
  const duration = snap.duration;


  const seek = (clientX: number) => {
    const rect = areaRef.current!.getBoundingClientRect();
    runtime.seek(((clientX - rect.left) / rect.width) * duration);
  };

  const ticks = useMemo(() => {
    if (!duration) return [];
    const step = duration > 240 ? 30 : duration > 90 ? 15 : duration > 30 ? 10 : 5;
    const out: number[] = [];
    for (let t = 0; t <= duration; t += step) out.push(t);
    return out;
  }, [duration]);

  // Lanes follow the mix's channel order; stems not (yet) in the doc are still shown.
  const order = channels.map((c) => c.stemId);
  const channelOf = new Map(channels.map((c) => [c.stemId, c]));
  // Once synced, a stem whose channel was removed (or replaced by a newer take) has no lane.
  const allStems = [...snap.stems]
    .filter((s) => !snap.synced || channelOf.has(s.stem.id))
    .sort((a, b) => rank(order, a.stem.id) - rank(order, b.stem.id));
  // A real session's 48 lanes mount a slice per frame, as the console's strips do.
  const stems = allStems.slice(0, useSliceReveal(allStems.length, LIST_SLICES.first, LIST_SLICES.step));

  return (
    <section className="arrange" aria-label="Tracks" ref={sectionRef} style={{ '--lane-h': `${laneHeight}px` } as React.CSSProperties}>
      <div className="lane-heads">
        <div className="ruler-spacer">
          <input
            type="range" min={LANE_MIN} max={LANE_MAX} step={2} value={laneHeight} aria-label="Lane height" title="Lane height" data-testid="lane-height"
            onChange={(e) => setLaneHeight(Number(e.target.value))}
          />
          {openAuto.length > 0 && (
            <AutomationToolbar
              tools={tools}
              onChange={(next) => {
                setTool(next.tool);
                setSnap(next.snap);
              }}
            />
          )}
        </div>
        {commentStrip && <div className="comment-lane-head">Comments</div>}
        {stems.map((s) => {
          const ch = channelOf.get(s.stem.id);
          const open = ch !== undefined && openAuto.includes(ch.id);
          return (
          <div key={s.stem.id}>
          <div className="lane-head" style={{ '--lane-color': colorOf.get(s.stem.id) } as React.CSSProperties}>
            <span className="lane-dot" />
            <span className="lane-name" data-testid={`lane-name-${slug(channelOf.get(s.stem.id)?.name ?? s.stem.name)}`}>{channelOf.get(s.stem.id)?.name ?? s.stem.name}</span>
            {onEditStem && channelOf.has(s.stem.id) && (
              <button
                type="button"
                className="lane-edit"
                title="Rename, replace with a new take, take history, remove"
                aria-label={`Edit stem ${channelOf.get(s.stem.id)!.name}`}
                data-testid={`stem-edit-${slug(channelOf.get(s.stem.id)!.name)}`}
                onClick={() => onEditStem(channelOf.get(s.stem.id)!.id)}
              >
                ⋯
              </button>
            )}
            {ch && (
              <button
                type="button"
                className={`lane-auto ${open ? 'on' : ''}`}
                title={open ? 'Fold automation lanes' : 'Automation: volume and pan lanes (+ lane: any other)'}
                aria-label={`${open ? 'Fold' : 'Show'} ${ch.name} automation`}
                aria-expanded={open}
                data-testid={`auto-toggle-${slug(ch.name)}`}
                onClick={() => strips.toggle(channelScope(ch.id))}
              >
                A
              </button>
            )}
          </div>
          {open && (
            <AutomationHeads
              runtime={runtime}
              scope={channelScope(ch.id)}
              name={ch.name}
              lanes={strips.lanesOf(channelScope(ch.id))}
              onAdd={(id) => strips.add(channelScope(ch.id), id)}
              onRemove={(id) => strips.remove(channelScope(ch.id), id)}
            />
          )}
          </div>
          );
        })}
        <BusLaneHeads runtime={runtime} lanes={strips} />
      </div>
      <div
        className="lanes"
        ref={areaRef}
        data-testid="timeline"
        title="Click to move the playhead"
        onPointerDown={(e) => {
          if (e.button === 0 && duration > 0) seek(e.clientX);
        }}
      >
        <PlayheadCanvas read={() => runtime.transport?.position ?? 0} duration={duration} scrollerRef={sectionRef} />
        <div className="ruler">
          {ticks.map((t) => (
            <span key={t} style={{ left: `${(t / duration) * 100}%` }}>
              {formatTime(t).replace(/\.\d$/, '')}
            </span>
          ))}
        </div>
        {commentStrip}
        {stems.map((s) => {
          const ch = channelOf.get(s.stem.id);
          const name = ch?.name ?? s.stem.name;
          return (
            <div key={s.stem.id}>
              <Lane gainPoints={ch ? gainPointsOf(runtime, ch.id) : NO_POINTS} load={s} duration={duration} color={colorOf.get(s.stem.id) ?? '#888'} dimmed={ch?.audible === false} name={name} />
              {ch && strips.isOpen(channelScope(ch.id)) && strips.lanesOf(channelScope(ch.id)).map((id) => <AutomationLaneEditor key={id} runtime={runtime} scope={channelScope(ch.id)} paramId={id} name={name} duration={duration} tools={tools} />)}
            </div>
          );
        })}
        <BusLaneTracks runtime={runtime} lanes={strips} duration={duration} tools={tools} />
      </div>
    </section>
  );
}

function rank(order: string[], id: string): number {
  const i = order.indexOf(id);
  return i < 0 ? 1e6 : i;
}

const NO_POINTS: readonly AutomationPoint[] = [];

/** The channel's fader lane (the same array until it changes, so a memoised lane is not re-rendered). */
function gainPointsOf(runtime: SessionRuntime, channelId: string): readonly AutomationPoint[] {
  const points = runtime.model.automation.points(`ch:${channelId}/gain`);
  return points.length > 0 ? points : NO_POINTS;
}

/** Memoised: a snapshot (a stem's progress) re-renders the lanes whose stem changed, not all 48. */
const Lane = memo(function Lane({
  gainPoints,
  load,
  duration,
  color,
  dimmed,
  name,
}: {
  /** Drawn over the waveform. */
  gainPoints: readonly AutomationPoint[];
  load: StemLoad;
  duration: number;
  color: string;
  dimmed: boolean;
  name: string;
}) {
  const [peaks, setPeaks] = useState<Peaks | null>(null);
  const peaksUrl = load.stem.peaksUrl;
  useEffect(() => {
    if (!peaksUrl) return;
    const ac = new AbortController();
    fetchPeaks(peaksUrl, ac.signal).then(setPeaks, (e: unknown) => {
      if (ac.signal.aborted) return;
      console.warn(`[mixroom] no stored waveform for ${load.stem.name}, no waveform:`, e);
    });
    return () => ac.abort();
  }, [peaksUrl, load.stem.name]);


  const id = slug(name);
  return (
    <div className={`lane ${load.status === 'error' ? 'error' : ''}`} data-testid={`lane-${id}`}>
      {load.status === 'error' ? (
        <div className="lane-error" data-testid={`stem-error-${id}`} role="alert">
          <svg viewBox="0 0 16 16" aria-hidden>
            <path d="M8 1.5 15 14H1zM7.25 6v4h1.5V6zm0 5.25v1.5h1.5v-1.5z" />
          </svg>
          {load.error}
        </div>
      ) : (
        <>
          <Waveform peaks={peaks} songDuration={duration} color={color} dimmed={dimmed} />
          <CurveOverlay points={gainPoints} duration={duration} testId={`auto-curve-${id}`} />
          {load.status !== 'ready' && (
            <div className="lane-loading">
              <span>{load.status === 'decoding' ? 'Decoding…' : `Loading… ${Math.round((Math.min(load.loadedBytes, load.totalBytes) / load.totalBytes) * 100)}%`}</span>
            </div>
          )}
        </>
      )}
    </div>
  );
});
