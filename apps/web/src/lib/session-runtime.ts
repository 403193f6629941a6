import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import {
  LOUDNESS_PROCESSOR_NAME,
  ChunkCacheWriter,
  LiveChannels,
  createChunkCacheBuffer,
  createLiveStatus,
  loadDynamicsWorklet,
  paramDefFor,
  parseParamKey,
  AUTOMATED_CHANNEL_PARAMS,
  AUTOMATED_MASTER_PARAMS,
  AUTOMATED_FX_PARAMS,
  MixGraph,
  MixModel,
  MixTransport,
  type AutomationLane,
  type LiveLoudnessReading,
  type LoudnessProcessorMessage,
  type MixState,
  type StemSource,
  type ToneLib,
} from '@mixroom/engine';
import { CHUNK_FRAMES, StemLibrary, type LibraryStem } from './stem-library';
import type { StemProgress } from './stem-stream-protocol';
import type { TogetherClient } from './together';
import { PlatformPreview } from './platform-preview';
import { renderInBrowser, type RenderRequest } from './bounce';
import { AutomationRecorder } from './automation-recorder';
import { fetchRetryingWhenBusy } from './busy-retry';
import { AutomationFollow } from './automation-follow';
import { loadTone, preloadTone, yieldToPage } from './tone-loader';
import { audioOutputWarmed } from './audio-warmup';
import { PROTOCOL_VERSION, PROTOCOL_VERSION_PARAM, WS_CLOSE, YJS_CLOSE_ADVICE, YJS_WS_PATH, type GetSessionResponse, type StemInfo } from '@mixroom/protocol';

export type StemStatus = 'queued' | 'downloading' | 'decoding' | 'ready' | 'error';

export interface StemLoad {
  stem: StemInfo;
  /** 'ready': playable (streamed from the local cache; the rest of the file may still be arriving). */
  status: StemStatus;
  /** Bytes of the file in this browser's local cache, of totalBytes. */
  loadedBytes: number;
  totalBytes: number;
  error: string | null;
  /** True when this visit found the whole file in the local cache. */
  fromCache?: boolean;
}

/** How live playback is keeping up, for the header's indicator. */
export interface PlaybackHealth {
  /** Channels whose stem could not deliver audio in time during the last second (names). */
  stalled: string[];
  /** Stems left out when Play started because they were not ready at the playhead (names). */
  startedWithout: string[];
  /** Memory the stem windows take in this tab (bytes), whatever the length of the song. */
  streamBytes: number;
  /** The browser refused to store more of the stems locally (its words), or null. */
  cacheFull: string | null;
}

export interface RuntimeSnapshot {
  mix: MixState;
  stems: StemLoad[];
  /** True once the Yjs doc has been synced with the server at least once. */
  synced: boolean;
  connected: boolean;
  audioReady: boolean;
  transportState: 'started' | 'paused' | 'stopped';
  loop: boolean;
  duration: number;
  /** Set when the server refused the mix connection for good (e.g. the session is gone). */
  syncError: string | null;
  /** "Recall mix": a stored mix auditioned locally instead of the live one (nobody else hears it). */
  recalled: { label: string; state: MixState } | null;
  health: PlaybackHealth;
}

/** Debugging hook (also read by the e2e tests): the live engine objects of the open session. */
export interface MixroomDebugHook {
  graph: MixGraph | null;
  model: MixModel;
  transport: MixTransport | null;
  Tone: ToneLib | null;
  runtime: SessionRuntime;
  /** The engine's parameter table lookup (defaults, ranges), so tests can reset a mix. */
  paramDefFor: typeof paramDefFor;
  /** An offline render in this browser, exactly as "Bounce mix" does it (the same-sound test). */
  render?: (req: RenderRequest) => ReturnType<typeof renderInBrowser>;
  /** What live playback puts out for these stems and this state (the live-vs-render test). */
  captureLive?: (req: LiveCaptureRequest) => Promise<Float32Array[]>;
}

export interface LiveCaptureRequest {
  stems: ReadonlyMap<string, AudioBuffer>;
  state: MixState;
  seconds: number;
}

declare global {
  interface Window {
    __mixroom?: MixroomDebugHook;
  }
}

/**
 * Milestones of opening a session on the page's performance timeline ("mixroom:…"), read by
 * bench:session to say where an open's seconds go. `once`: only the first time in this page.
 */
function mark(name: string, once = false, detail?: Record<string, number>): void {
  const full = `mixroom:${name}`;
  if (once && performance.getEntriesByName(full, 'mark').length > 0) return;
  performance.mark(full, detail && { detail });
}

/** Where the web build puts the bundled loudness processor (scripts/build-worklets.mjs). */
const LOUDNESS_WORKLET_URL = '/worklets/loudness-processor.js';
/** The engine's compressors and true-peak limiter, bundled by the same script. */
export const DYNAMICS_WORKLET_URL = '/worklets/dynamics-processor.js';
/** Every channel strip of the live mix (LiveMixCore), bundled by the same script. */
export const MIX_WORKLET_URL = '/worklets/mix-processor.js';
/** How long Play waits for every stem to be ready at the playhead before it starts without the late ones. */
const PRIME_TIMEOUT_MS = 4000;
/** Short-term loudness history kept for the plot: one value per ~100 ms reading, 60 s. */
export const LOUDNESS_HISTORY_LENGTH = 600;

export interface LoudnessSnapshot {
  /** Latest reading of the live master meter; null until the first one after a (re)start. */
  reading: LiveLoudnessReading | null;
  /** Short-term LUFS per reading, oldest first, at most LOUDNESS_HISTORY_LENGTH values. */
  history: readonly number[];
  /** Set when the meter could not be started (e.g. no AudioWorklet support). */
  error: string | null;
}
/** Parameters the engine plays lanes of, per strip kind (the others keep their static value). */
const PLAYED_PARAMS: Record<'channel' | 'reverb' | 'delay' | 'master', ReadonlySet<string>> = {
  channel: new Set(AUTOMATED_CHANNEL_PARAMS),
  reverb: new Set(AUTOMATED_FX_PARAMS.reverb),
  delay: new Set(AUTOMATED_FX_PARAMS.delay),
  master: new Set(AUTOMATED_MASTER_PARAMS),
};
const PERMANENT_CLOSE_CODES = new Set<number>([WS_CLOSE.unknownSession, WS_CLOSE.unauthorized, WS_CLOSE.removed]);

/**
 * Everything one open session needs outside React: the synced mix document, the audio
 * graph and the stem downloads. React subscribes to snapshots; meters and the playhead
 * read the graph directly every animation frame instead of going through React state.
 */
export class SessionRuntime {
  readonly doc = new Y.Doc();
  readonly model = new MixModel(this.doc);
  /** Undo/redo of this person's own mix moves (Ctrl/Cmd+Z); others' moves are never undone here. */
  readonly history = this.model.createHistory();
  /** Records moves of controls into automation lanes during playback (Touch/Latch/Write). */
  readonly recorder = new AutomationRecorder(
    this.model,
    () => (this.transport?.state === 'started' ? this.transport.position : null),
    // Playback loops over the whole song (setLoop): a take that loops ends its pass there.
    () => (this.transport?.loop ? this.duration : null),
  );
  /** What the console's controls show in Read: their lanes at the playhead (see AutomationFollow). */
  readonly follow = new AutomationFollow({
    laneOf: (key) => this.playingLane(key),
    position: () => this.transport?.position ?? 0,
  });
  readonly provider: WebsocketProvider;
  Tone: ToneLib | null = null;
  liveContext: ReturnType<ToneLib['getContext']> | null = null;
  /** This session's AudioContext (created by startAudio, closed by dispose). */
  private rawContext: AudioContext | null = null;
  graph: MixGraph | null = null;
  transport: MixTransport | null = null;
  /** "Listen together": when on, transport actions go to the group instead of acting locally. */
  together: TogetherClient | null = null;
  /** Monitor-only platform normalisation ("hear it as Spotify would"); null until audio starts. */
  preview: PlatformPreview | null = null;

  /** The talkback ducker's gain on the monitor path (see PlatformPreview.duck); null before the audio starts. */
  get monitorDuck(): { gain: AudioParam; ctx: BaseAudioContext } | null {
    return this.preview && this.rawContext ? { gain: this.preview.duck.gain, ctx: this.rawContext } : null;
  }

  /** Where the talkback ducker's worklet goes (lib/ducking.ts); null before the audio starts. */
  get duckerHost(): { ctx: AudioContext; insert(node: AudioNode): void } | null {
    const preview = this.preview;
    return preview && this.rawContext ? { ctx: this.rawContext, insert: (node) => preview.insertDucker(node) } : null;
  }

  /** Streams the stems from the local cache into the mix worklet; null until audio starts. */
  library: StemLibrary | null = null;
  live: LiveChannels | null = null;
  private readonly registered = new Set<string>();
  private lastUnderruns = new Map<string, number>();
  private lastHealthCheck = 0;
  /** Stem ids whose metadata we have (and whose audio is loading or loaded). */
  private readonly knownStems = new Set<string>();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private loudnessNode: AudioWorkletNode | null = null;
  private loudnessSnap: LoudnessSnapshot = { reading: null, history: [], error: null };
  private loudnessHistory: number[] = [];
  private readonly loudnessListeners = new Set<() => void>();
  /** Readings posted before the processor saw our last reset are dropped (see resetLoudness). */
  private awaitingReset = false;
  private snapshot: RuntimeSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: Array<() => void> = [];
  private disposed = false;
  private otherPlayer: (() => void) | null = null;

  constructor(readonly session: GetSessionResponse) {
    const wsOrigin = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}`;
    // The protocol version rides along: a server of another version closes with protocolMismatch
    // (a "please reload" stop, see onClose) instead of syncing a document it may misread.
    this.provider = new WebsocketProvider(`${wsOrigin}${YJS_WS_PATH}`, session.id, this.doc, { maxBackoffTime: 5000, params: { [PROTOCOL_VERSION_PARAM]: String(PROTOCOL_VERSION) } });
    const totalGuess = (s: StemInfo) => Math.max(1, Math.round(s.durationSec * s.sampleRate * s.channels * 2));
    this.snapshot = {
      mix: this.model.getState(),
      stems: session.stems.map((stem) => ({ stem, status: 'queued', loadedBytes: 0, totalBytes: totalGuess(stem), error: null })),
      synced: false,
      connected: false,
      audioReady: false,
      transportState: 'stopped',
      loop: false,
      duration: Math.max(0, ...session.stems.map((s) => s.durationSec)),
      syncError: null,
      recalled: null,
      health: { stalled: [], startedWithout: [], streamBytes: 0, cacheFull: null },
    };

    this.cleanups.push(
      this.model.onChange((change) => {
        if (change.local && change.params.size > 0) this.recorder.moved(change.params);
        const mix = this.model.getState();
        // While a recalled mix plays, live moves still show on the console but not in this person's ears.
        this.graph?.apply(this.snapshot.recalled?.state ?? this.heard(mix));
        this.update({ mix });
        // A stem uploaded (or a take swapped) by anyone arrives as a channel we have no audio for.
        if (change.structure && mix.channels.some((c) => c.stemId && !this.knownStems.has(c.stemId))) void this.refreshStems();
      }),
    );
    this.cleanups.push(this.recorder.onRecordingChange(() => this.graph?.apply(this.snapshot.recalled?.state ?? this.heard(this.model.getState()))));
    const onSync = (synced: boolean) => {
      if (synced) mark('doc-synced', true);
      this.update({ synced: this.snapshot.synced || synced, mix: this.model.getState() });
    };
    const onStatus = ({ status }: { status: string }) => this.update({ connected: status === 'connected' });
    // y-websocket reconnects after any close; a refusal that cannot change by retrying
    // (unknown session, no access) must stop it and be shown instead. A refused change is still
    // in this window's copy of the mix, so the window says why and loads the mix afresh.
    const onClose = (event: CloseEvent | null) => {
      if (!event) return;
      const advice = YJS_CLOSE_ADVICE[event.code];
      if (PERMANENT_CLOSE_CODES.has(event.code) || advice?.action === 'stop') {
        this.provider.disconnect();
        this.update({ connected: false, syncError: event.reason || advice?.message || `connection refused (${event.code})` });
      } else if (advice?.action === 'reload') {
        this.provider.disconnect();
        this.update({ connected: false, syncError: `${advice.message} Reloading…` });
        setTimeout(() => window.location.reload(), 2500);
      }
    };
    this.provider.on('sync', onSync);
    this.provider.on('status', onStatus);
    this.provider.on('connection-close', onClose);
    this.cleanups.push(() => {
      this.provider.off('sync', onSync);
      this.provider.off('status', onStatus);
      this.provider.off('connection-close', onClose);
    });
    for (const st of session.stems) this.knownStems.add(st.id);
    window.__mixroom = { graph: null, model: this.model, transport: null, Tone: null, runtime: this, paramDefFor };
  }

  /**
   * What this person hears of the live mix: lanes they are recording right now give way to the
   * control in their hand (everyone else hears the lane as it is written).
   */
  heard(mix: MixState): MixState {
    const rec = this.recorder.recording;
    if (rec.size === 0) return mix;
    const automation = { ...mix.automation };
    for (const key of rec) delete automation[key];
    return { ...mix, automation };
  }

  /**
   * The lane this person hears for `key` now: null when there is none, its strip's mode is Off,
   * the engine does not play that parameter, they are recording it, or a recalled mix plays.
   */
  private playingLane(key: string): AutomationLane | null {
    if (this.snapshot.recalled || this.recorder.isRecording(key)) return null;
    const parsed = parseParamKey(key);
    if (!parsed || !PLAYED_PARAMS[parsed.scope.kind === 'fx' ? parsed.scope.bus : parsed.scope.kind].has(parsed.paramId)) return null;
    if (this.model.automation.getMode(parsed.scope) === 'off') return null;
    return this.model.automation.lane(key);
  }

  /**
   * A control was grabbed or let go: ends a Touch take, and an undo step. Grabbing an automated
   * control while playing in Touch/Latch/Write picks it up where its lane is: the take starts
   * from the automated value, not from the (unheard) static one.
   */
  holdControl(key: string, held: boolean): void {
    this.recorder.hold(key, held);
    if (held && this.transport?.state === 'started') {
      const parsed = parseParamKey(key);
      const mode = parsed ? this.model.automation.getMode(parsed.scope) : 'off';
      const automated = this.follow.valueNow(key);
      if (parsed && automated !== null && (mode === 'touch' || mode === 'latch' || mode === 'write')) this.model.setParam(parsed.scope, parsed.paramId, automated);
    }
    if (held) this.history.beginGesture();
    else this.history.endGesture();
  }

  /** Re-reads the session's stems and starts loading the ones that are new to us. */
  refreshStems(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const res = await fetchRetryingWhenBusy(`/api/sessions/${encodeURIComponent(this.session.id)}`, { cache: 'no-store' });
        if (!res.ok || this.disposed) return;
        const detail = (await res.json()) as GetSessionResponse;
        const fresh = detail.stems.filter((st) => !this.knownStems.has(st.id));
        if (fresh.length === 0) continue;
        for (const st of fresh) this.knownStems.add(st.id);
        this.update({
          stems: [...this.snapshot.stems, ...fresh.map((stem) => ({ stem, status: 'queued' as const, loadedBytes: 0, totalBytes: Math.max(1, Math.round(stem.durationSec * stem.sampleRate * stem.channels * 2)), error: null }))],
          duration: Math.max(this.snapshot.duration, ...fresh.map((st) => st.durationSec)),
        });
        if (this.library) for (const st of fresh) this.loadStem(st);
      } while (this.refreshAgain && !this.disposed);
    })()
      .catch((e) => console.error('[mixroom] refreshing stems failed:', e))
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /** Metadata of a stem (from the session or a later refresh). */
  stemInfo(stemId: string): StemInfo | undefined {
    return this.snapshot.stems.find((s) => s.stem.id === stemId)?.stem;
  }

  getSnapshot = (): RuntimeSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private update(patch: Partial<RuntimeSnapshot>): void {
    if (this.disposed) return;
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  private updateStem(stemId: string, patch: Partial<StemLoad>): void {
    this.update({ stems: this.snapshot.stems.map((s) => (s.stem.id === stemId ? { ...s, ...patch } : s)) });
  }

  /**
   * Starts the stem streams at once, and meanwhile loads Tone (browser-only, so never during the
   * static export) and the worklets, all at the same time: an open costs the longest of them, not
   * their sum.
   */
  async startAudio(): Promise<void> {
    mark('audio-start');
    if (!window.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
      this.update({ syncError: 'this page is not cross-origin isolated, so it cannot stream audio (reload it from the Mixroom server)' });
      return;
    }
    // Tone's requests (started with the page) go before the stems' downloads take the browser's
    // connections to the server; behind them Tone's parts came seconds later, and so did Play.
    await preloadTone().catch(() => undefined);
    if (this.disposed) return;
    // The session's own rate: stems play without resampling and live sounds as renders do; the
    // browser converts to the device's rate at the output.
    const sampleRate = sessionSampleRate(this.session.stems);
    // The stems are asked for before the audio device is waited on: the worker fills their windows
    // meanwhile. On a warm open the device's warm-up and the context took 0.6–0.8 s, and the
    // stems, asked for after them, were what Play then waited for.
    const status = createLiveStatus();
    this.library = new StemLibrary(sampleRate, status, (p, entry) => this.onStemProgress(p, entry), this.snapshot.stems.length);
    this.library.onStorageFull = (message) => !this.disposed && this.update({ health: { ...this.snapshot.health, cacheFull: message } });
    for (const s of this.snapshot.stems) this.loadStem(s.stem);
    mark('stems-requested');
    // With the browser's audio output started, making the context is quick (lib/audio-warmup.ts).
    await audioOutputWarmed(1000);
    if (this.disposed) return;
    // 'playback' latency trades a little responsiveness for glitch-free output on busy machines. A
    // native context (not Tone's wrapped default) exposes getOutputTimestamp(), which "Listen
    // together" needs. A context made with a sample rate runs at exactly that rate (or throws).
    const rawContext = new AudioContext({ latencyHint: 'playback', sampleRate });
    this.rawContext = rawContext;
    // Making the context waits on the audio device: a task of its own.
    await yieldToPage();
    if (this.disposed) return;
    const loudnessModule = rawContext.audioWorklet.addModule(LOUDNESS_WORKLET_URL);
    loudnessModule.catch(() => undefined);
    const [Tone, dynamics, mixer] = await Promise.allSettled([
      // Tone bound to this context as it loads (it would otherwise make a context of its own).
      loadTone(rawContext),
      // Before the graph exists, so the master chain is built with it; without it the graph still
      // plays (no master dynamics) and says so in graph.notes.
      loadDynamicsWorklet(rawContext, DYNAMICS_WORKLET_URL),
      rawContext.audioWorklet.addModule(MIX_WORKLET_URL),
    ]);
    if (this.disposed) return;
    mark('worklets-loaded');
    if (Tone.status === 'rejected') throw Tone.reason;
    if (dynamics.status === 'rejected') console.error('[mixroom] dynamics worklet unavailable:', dynamics.reason instanceof Error ? dynamics.reason.message : dynamics.reason);
    if (mixer.status === 'rejected') {
      this.update({ syncError: `the mixer could not start: ${mixer.reason instanceof Error ? mixer.reason.message : mixer.reason}` });
      return;
    }
    this.Tone = Tone.value;
    // A longer look-ahead than Tone's interactive default keeps two tabs on two cores from glitching.
    Tone.value.getContext().lookAhead = 0.05;
    // Kept so a bounce can hand the global context back to live playback (see lib/bounce.ts).
    this.liveContext = Tone.value.getContext();
    // The graph is built in a few tasks, the page painting and taking input between them: in one,
    // with Tone's last part and the first mix sent, it had been 0.5–1 s on a loaded machine.
    await yieldToPage();
    if (this.disposed) return;
    this.preview = new PlatformPreview(Tone.value);
    this.live = new LiveChannels(rawContext, status);
    this.graph = new MixGraph(Tone.value, this.preview.input, { live: this.live, pace: yieldToPage });
    this.transport = new MixTransport(Tone.value, () => this.duration);
    await yieldToPage();
    if (this.disposed) return;
    this.graph.apply(this.heard(this.model.getState()), { immediate: true });
    await yieldToPage();
    if (this.disposed) return;
    // Stems that became playable while the worklets loaded.
    for (const entry of this.library.stems.values()) this.register(entry);
    window.__mixroom = { graph: this.graph, model: this.model, transport: this.transport, Tone: Tone.value, runtime: this, paramDefFor, render: (req) => renderInBrowser(this, req), captureLive: (req) => this.captureLive(req) };
    this.update({ audioReady: true, health: { ...this.snapshot.health, streamBytes: this.streamBytes() } });
    mark('audio-ready');
    await this.startLoudnessMeter(loudnessModule);
  }

  // ------------------------------------------------------------------ loudness

  /**
   * The live master loudness meter: an AudioWorklet running the engine's own BS.1770 meter
   * on the master bus (a sink; it outputs nothing). A failure only disables the meter.
   */
  private async startLoudnessMeter(module: Promise<void>): Promise<void> {
    const ctx = this.rawContext!;
    try {
      await module;
      if (this.disposed || !this.graph) return;
      const node = new AudioWorkletNode(ctx, LOUDNESS_PROCESSOR_NAME, {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        channelCount: 2,
        channelCountMode: 'explicit',
        channelInterpretation: 'speakers',
      });
      node.port.onmessage = (e: MessageEvent<LiveLoudnessReading | { type: 'error'; message: string }>) => {
        if (e.data.type === 'reading') this.onLoudnessReading(e.data);
        else console.warn('[mixroom] loudness meter:', e.data.message);
      };
      this.graph.masterOutput.connect(node);
      this.loudnessNode = node;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      console.error('[mixroom] loudness meter unavailable:', message);
      this.setLoudness({ error: `loudness meter unavailable: ${message}` });
    }
  }

  private onLoudnessReading(r: LiveLoudnessReading): void {
    if (this.disposed) return;
    if (this.awaitingReset) {
      // The processor answers a reset with an immediate reading of ~0 s of audio.
      if (r.durationSeconds > 0.2) return;
      this.awaitingReset = false;
    }
    // Stopped, the meter reads the same silence ten times a second: the panel and its plot need
    // no redraw for it (during an open they were laid out again each time).
    const last = this.loudnessSnap.reading;
    if (this.transport?.state !== 'started' && last && sameLoudness(last, r)) return;
    this.preview?.measured({ integrated: r.integrated, truePeak: r.truePeak });
    const h = this.loudnessHistory;
    h.push(r.shortTerm);
    if (h.length > LOUDNESS_HISTORY_LENGTH) h.splice(0, h.length - LOUDNESS_HISTORY_LENGTH);
    this.setLoudness({ reading: r, history: h.slice() });
  }

  private setLoudness(patch: Partial<LoudnessSnapshot>): void {
    this.loudnessSnap = { ...this.loudnessSnap, ...patch };
    for (const l of this.loudnessListeners) l();
  }

  /** Latest live loudness reading of the master (also read by the e2e tests). */
  get loudness(): LiveLoudnessReading | null {
    return this.loudnessSnap.reading;
  }

  getLoudnessSnapshot = (): LoudnessSnapshot => this.loudnessSnap;

  subscribeLoudness = (listener: () => void): (() => void) => {
    this.loudnessListeners.add(listener);
    return () => this.loudnessListeners.delete(listener);
  };

  /** Starts integrated loudness, LRA, maxima and peak-hold over from now. */
  resetLoudness(): void {
    this.loudnessHistory = [];
    this.setLoudness({ reading: null, history: [] });
    if (!this.loudnessNode) return;
    this.awaitingReset = true;
    this.loudnessNode.port.postMessage({ type: 'reset' } satisfies LoudnessProcessorMessage);
  }

  /**
   * The session's stems for an offline render at the context's rate: each read from the local
   * cache segment by segment (the render never holds a whole stem).
   */
  stemSources(): ReadonlyMap<string, StemSource> {
    const out = new Map<string, StemSource>();
    if (!this.library) return out;
    for (const s of this.snapshot.stems) if (s.status === 'ready') out.set(s.stem.id, this.library.source(s.stem.id));
    return out;
  }

  get sampleRate(): number {
    return this.library?.sampleRate ?? sessionSampleRate(this.session.stems);
  }

  get duration(): number {
    return this.snapshot.duration;
  }

  private loadStem(stem: StemInfo): void {
    if (!this.library || this.library.stems.has(stem.id)) return;
    this.updateStem(stem.id, { status: 'downloading' });
    this.library.add(stem);
    this.update({ health: { ...this.snapshot.health, streamBytes: this.streamBytes() } });
  }

  /**
   * Hands a playable stem's chunk cache to the mix worklet (once). The worklet fits the stem's
   * strip to its channels itself: re-sending the whole mix for each of 48 stems had been 48 reads
   * of the document and 48 posts of every channel, most of them in one task on a warm open.
   */
  private register(entry: LibraryStem): void {
    const p = entry.progress;
    if (p.phase !== 'ready' || this.registered.has(p.stemId) || !this.live) return;
    this.registered.add(p.stemId);
    this.live.addStem(p.stemId, entry.cache, entry.layout, p.frames);
  }

  private onStemProgress(p: StemProgress, entry: LibraryStem): void {
    if (this.disposed) return;
    this.register(entry);
    const status: StemStatus = p.phase === 'queued' ? 'downloading' : p.phase;
    const changesPhase = this.snapshot.stems.find((s) => s.stem.id === p.stemId)?.status !== status;
    this.pendingProgress.set(p.stemId, { status, loadedBytes: p.cachedBytes, totalBytes: Math.max(1, p.totalBytes), error: p.error, fromCache: p.fromCache });
    // Download progress of dozens of stems would re-render the page many times a second: phase
    // changes show within 50 ms (48 stems turning ready one after another are a few renders of the
    // page, not 48), bytes once a second (each is a re-render and a repaint of the page).
    const delay = changesPhase ? 50 : 1000;
    if (this.progressTimer && this.progressDue > performance.now() + delay) {
      clearTimeout(this.progressTimer);
      this.progressTimer = null;
    }
    if (!this.progressTimer) {
      this.progressDue = performance.now() + delay;
      this.progressTimer = setTimeout(() => this.flushProgress(), delay);
    }
  }

  private readonly pendingProgress = new Map<string, Partial<StemLoad>>();
  private progressTimer: ReturnType<typeof setTimeout> | null = null;
  private progressDue = 0;

  private flushProgress(): void {
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = null;
    if (this.pendingProgress.size === 0 || this.disposed) return;
    const pending = new Map(this.pendingProgress);
    this.pendingProgress.clear();
    this.update({ stems: this.snapshot.stems.map((s) => (pending.has(s.stem.id) ? { ...s, ...pending.get(s.stem.id) } : s)) });
    const someReady = [...pending.values()].some((p) => p.status === 'ready');
    if (someReady) mark('first-stem-ready', true);
    if (someReady && this.stemsReady) {
      mark('stems-ready', true);
      this.together?.resume();
    }
  }

  /**
   * Plays `stems` (whole, put in chunk caches here) with `state` through the live graph from song
   * position 0 and returns the master output, `seconds` long, aligned to the song (the limiter's
   * look-ahead removed): exactly what a listener hears, for comparing live with renders.
   */
  async captureLive(req: LiveCaptureRequest): Promise<Float32Array[]> {
    const { live, graph, liveContext } = this;
    if (!live || !graph || !liveContext) throw new Error('audio is not ready yet');
    const ctx = liveContext.rawContext as unknown as AudioContext;
    await ctx.resume();
    const sr = ctx.sampleRate;
    for (const [id, buffer] of req.stems) {
      const channels = Math.min(2, buffer.numberOfChannels);
      const layout = { chunkFrames: CHUNK_FRAMES, slots: Math.ceil(buffer.length / CHUNK_FRAMES), channels };
      const cache = createChunkCacheBuffer(layout);
      const writer = new ChunkCacheWriter(cache, layout);
      const planar = Array.from({ length: channels }, (_, c) => buffer.getChannelData(c));
      for (let k = 0; k < layout.slots; k++) writer.write(k, k, planar.map((d) => d.subarray(k * CHUNK_FRAMES, (k + 1) * CHUNK_FRAMES)));
      live.addStem(id, cache, layout, buffer.length);
    }
    graph.apply(req.state, { immediate: true });
    // The reverb's room is made in steps (MixGraphOptions.pace): the capture starts once it is in.
    await graph.ready;
    // Messages reach the worklet within a render quantum or two; start well after them. A capture
    // that began late (the page was busy past its start) is taken again with a wider margin.
    let out: Float32Array[] = [];
    for (const margin of [0.3, 1, 2, 4]) {
      // Again only once the last take's reverb and delay tails have died away.
      await new Promise((r) => setTimeout(r, margin === 0.3 ? 300 : 8000));
      const startFrame = Math.round((ctx.currentTime + margin) * sr);
      const frames = Math.round(req.seconds * sr);
      const capture = new AudioWorkletNode(ctx, 'mixroom-capture', {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        channelCount: 2,
        channelCountMode: 'explicit',
        processorOptions: { startFrame: startFrame + graph.latencySamples, frames },
      });
      const done = new Promise<{ channels: Float32Array[]; missedFrames: number }>((resolve) => (capture.port.onmessage = (e) => resolve(e.data)));
      graph.masterOutput.connect(capture as unknown as Parameters<typeof graph.masterOutput.connect>[0]);
      graph.startLive(startFrame / sr, 0, 1);
      const taken = await done;
      live.stop(0);
      graph.masterOutput.disconnect(capture as unknown as Parameters<typeof graph.masterOutput.connect>[0]);
      out = taken.channels;
      if (taken.missedFrames === 0) break;
      console.warn(`[mixroom] live capture began ${taken.missedFrames} frames late; taking it again`);
    }
    for (const id of req.stems.keys()) live.dropStem(id);
    return out;
  }

  private streamBytes(): number {
    let n = 0;
    for (const s of this.library?.stems.values() ?? []) n += s.cache.byteLength;
    return n;
  }

  /** Notes channels whose stems fell behind during the last second (called every frame by tick). */
  private checkHealth(): void {
    const now = performance.now();
    if (now - this.lastHealthCheck < 1000 || !this.live) return;
    this.lastHealthCheck = now;
    const stalled: string[] = [];
    for (const ch of this.model.getState().channels) {
      const count = this.live.channelUnderruns(ch.id);
      if (count > (this.lastUnderruns.get(ch.id) ?? count)) stalled.push(ch.name);
      this.lastUnderruns.set(ch.id, count);
    }
    const h = this.snapshot.health;
    // A stem playback started without is no longer "still loading" once it can sound where playback is.
    let startedWithout = h.startedWithout;
    if (startedWithout.length > 0 && this.library && this.transport) {
      const missing = new Set(this.library.missingAt(this.transport.position));
      startedWithout = startedWithout.filter((name) => missing.has(name));
    }
    if (stalled.join() !== h.stalled.join() || startedWithout.length !== h.startedWithout.length) {
      this.update({ health: { ...h, stalled, startedWithout, streamBytes: this.streamBytes() } });
    }
  }

  // ------------------------------------------------------------------ transport

  /** True once every stem has either loaded or failed (and at least one can play). */
  get stemsReady(): boolean {
    const stems = this.snapshot.stems;
    return stems.some((s) => s.status === 'ready') && stems.every((s) => s.status === 'ready' || s.status === 'error');
  }

  private get group(): TogetherClient | null {
    return this.together?.enabled ? this.together : null;
  }

  /**
   * Plays a stored mix state (a comment's or a version's) through the local graph only: the
   * state lives in its own unsynced Y.Doc, so the shared mix is untouched for everyone.
   */
  recallMix(update: Uint8Array, label: string): void {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, update);
    const state = new MixModel(doc).getState();
    doc.destroy();
    this.graph?.apply(state);
    this.update({ recalled: { label, state } });
  }

  backToLiveMix(): void {
    this.graph?.apply(this.model.getState());
    this.update({ recalled: null });
  }

  /**
   * The version player's stop: called whenever the main transport starts (here, or by Listen
   * together), so the two never play at once. The version player pauses the transport itself.
   */
  setOtherPlayer(stop: (() => void) | null): void {
    this.otherPlayer = stop;
  }

  /** This session's AudioContext, for players that must share its clock; null before audio starts. */
  get audioContext(): AudioContext | null {
    return this.rawContext;
  }

  async play(): Promise<void> {
    if (!this.Tone || !this.transport) return;
    mark('play-pressed', true);
    this.otherPlayer?.();
    // Browsers only let audio start from a user gesture; Play is that gesture.
    await this.Tone.start();
    const group = this.group;
    if (group) return group.command({ kind: 'play', position: this.transport.position });
    await this.primeAt(this.transport.position);
    this.transport.play();
    // When the mix reaches the output, on the audio clock (Tone starts its transport a look-ahead
    // from now): the page itself may see it only later, if it is busy.
    mark('transport-started', true, { contextTime: this.Tone.now() });
    this.refreshTransportState();
  }

  private seekGeneration = 0;

  private async seekWhenReady(seconds: number): Promise<void> {
    const generation = ++this.seekGeneration;
    this.transport?.pause();
    this.transport?.seek(seconds);
    await this.primeAt(seconds);
    // A later seek, pause or stop took over meanwhile.
    if (generation !== this.seekGeneration || this.transport?.state !== 'paused') return;
    this.transport.play();
    this.refreshTransportState();
  }

  /**
   * Waits until every stem can sound at `position` (they stream from the local cache), so the
   * whole mix starts together; stems still missing after PRIME_TIMEOUT_MS are named to the user.
   */
  async primeAt(position: number): Promise<void> {
    if (!this.library) return;
    const loop = this.transport?.loop ? { start: 0, end: this.duration } : null;
    mark('prime-start');
    const startedWithout = await this.library.prime(position, PRIME_TIMEOUT_MS);
    mark('prime-done');
    this.library.hint(position, loop);
    this.update({ health: { ...this.snapshot.health, startedWithout } });
  }

  pause(): void {
    this.seekGeneration++;
    if (this.group) return void this.group.command({ kind: 'pause' });
    this.transport?.pause();
    this.refreshTransportState();
  }

  stop(): void {
    this.seekGeneration++;
    if (this.group) return void this.group.command({ kind: 'stop' });
    this.transport?.stop();
    this.refreshTransportState();
  }

  seek(seconds: number): void {
    if (this.group) return void this.group.command({ kind: 'seek', position: Math.min(Math.max(0, seconds), this.duration) });
    const loop = this.transport?.loop ? { start: 0, end: this.duration } : null;
    this.library?.hint(seconds, loop);
    // Playing on into a part not yet in the local cache would play silence while it arrives:
    // hold the transport there until every stem can sound, then go on from the same spot.
    if (this.transport?.state === 'started' && this.library && this.library.missingAt(seconds).length > 0) {
      void this.seekWhenReady(seconds);
      return;
    }
    this.transport?.seek(seconds);
  }

  setLoop(enabled: boolean): void {
    if (this.group) return void this.group.command({ kind: 'loop', enabled, start: 0, end: this.duration });
    this.transport?.setLoop(enabled, 0, this.duration);
    this.library?.hint(this.transport?.position ?? 0, enabled ? { start: 0, end: this.duration } : null);
    this.update({ loop: enabled });
  }

  /**
   * Re-reads the transport after something other than these methods moved it. A start scheduled
   * on the AudioContext timeline (Listen together) is not yet 'started' when read now, so the
   * caller passes the state it has scheduled instead.
   */
  refreshTransportState(scheduled?: 'started'): void {
    if (!this.transport) return;
    const next = scheduled ?? this.transport.state;
    // The main transport and the version player never play at once.
    if (next === 'started') this.otherPlayer?.();
    // "Integrated since play started": playback starting from stopped starts the meter over.
    if (this.snapshot.transportState === 'stopped' && next === 'started') this.resetLoudness();
    this.update({ transportState: next, loop: this.transport.loop });
  }

  /** Called every animation frame: stops at the end of the song when not looping. */
  tick(): number {
    const t = this.transport;
    if (!t) return 0;
    const pos = t.position;
    this.checkHealth();
    if (t.state === 'started' && !t.loop && this.duration > 0 && pos >= this.duration) {
      this.stop();
      return 0;
    }
    return pos;
  }

  dispose(): void {
    this.disposed = true;
    for (const c of this.cleanups) c();
    this.listeners.clear();
    this.loudnessListeners.clear();
    if (this.loudnessNode) {
      this.loudnessNode.port.onmessage = null;
      this.loudnessNode.disconnect();
      this.loudnessNode = null;
    }
    this.transport?.stop();
    this.graph?.dispose();
    this.library?.dispose();
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.preview?.dispose();
    void this.rawContext?.close().catch(() => undefined);
    this.history.destroy();
    this.recorder.dispose();
    this.provider.destroy();
    this.doc.destroy();
    this.together?.dispose();
    if (window.__mixroom?.runtime === this) delete window.__mixroom;
  }
}

function sameLoudness(a: LiveLoudnessReading, b: LiveLoudnessReading): boolean {
  const same = (x: number, y: number) => x === y || (!Number.isFinite(x) && !Number.isFinite(y));
  return same(a.momentary, b.momentary) && same(a.shortTerm, b.shortTerm) && same(a.integrated, b.integrated) && same(a.range, b.range) && same(a.truePeak, b.truePeak);
}

/** The rate most of the session's stems have (48 kHz for an empty session). */
export function sessionSampleRate(stems: readonly StemInfo[]): number {
  const counts = new Map<number, number>();
  for (const s of stems) counts.set(s.sampleRate, (counts.get(s.sampleRate) ?? 0) + 1);
  let best = 48000;
  let most = 0;
  for (const [rate, n] of counts) if (n > most || (n === most && rate === 48000)) [best, most] = [rate, n];
  return best;
}
