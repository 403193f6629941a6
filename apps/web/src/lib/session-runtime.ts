import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import {
  LOUDNESS_PROCESSOR_NAME,
  loadDynamicsWorklet,
  paramDefFor,
  MixGraph,
  MixModel,
  MixTransport,
  type LiveLoudnessReading,
  type LoudnessProcessorMessage,
  type MixState,
  type ToneLib,
} from '@mixroom/engine';
import type { TogetherClient } from './together';
import { PlatformPreview } from './platform-preview';
import { renderInBrowser, type RenderRequest } from './bounce';
import { WS_CLOSE, YJS_WS_PATH, type GetSessionResponse, type StemInfo } from '@mixroom/protocol';
import { httpError } from './api';

export type StemStatus = 'queued' | 'downloading' | 'decoding' | 'ready' | 'error';

export interface StemLoad {
  stem: StemInfo;
  status: StemStatus;
  loadedBytes: number;
  totalBytes: number;
  error: string | null;
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
}

declare global {
  interface Window {
    __mixroom?: MixroomDebugHook;
  }
}

const DOWNLOAD_CONCURRENCY = 3;
/** Where the web build puts the bundled loudness processor (scripts/build-worklets.mjs). */
const LOUDNESS_WORKLET_URL = '/worklets/loudness-processor.js';
/** The engine's compressors and true-peak limiter, bundled by the same script. */
export const DYNAMICS_WORKLET_URL = '/worklets/dynamics-processor.js';
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
  readonly provider: WebsocketProvider;
  Tone: ToneLib | null = null;
  liveContext: ReturnType<ToneLib['getContext']> | null = null;
  graph: MixGraph | null = null;
  transport: MixTransport | null = null;
  /** "Listen together": when on, transport actions go to the group instead of acting locally. */
  together: TogetherClient | null = null;
  /** Monitor-only platform normalisation ("hear it as Spotify would"); null until audio starts. */
  preview: PlatformPreview | null = null;

  private readonly buffers = new Map<string, AudioBuffer>();
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

  constructor(readonly session: GetSessionResponse) {
    const wsOrigin = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}`;
    this.provider = new WebsocketProvider(`${wsOrigin}${YJS_WS_PATH}`, session.id, this.doc, { maxBackoffTime: 5000 });
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
    };

    this.cleanups.push(
      this.model.onChange((change) => {
        const mix = this.model.getState();
        // While a recalled mix plays, live moves still show on the console but not in this person's ears.
        this.graph?.apply(this.snapshot.recalled?.state ?? mix);
        this.update({ mix });
        // A stem uploaded (or a take swapped) by anyone arrives as a channel we have no audio for.
        if (change.structure && mix.channels.some((c) => c.stemId && !this.knownStems.has(c.stemId))) void this.refreshStems();
      }),
    );
    const onSync = (synced: boolean) => this.update({ synced: this.snapshot.synced || synced, mix: this.model.getState() });
    const onStatus = ({ status }: { status: string }) => this.update({ connected: status === 'connected' });
    // y-websocket reconnects after any close; a refusal that cannot change by retrying
    // (unknown session, no access) must stop it and be shown instead.
    const onClose = (event: CloseEvent | null) => {
      if (!event || !PERMANENT_CLOSE_CODES.has(event.code)) return;
      this.provider.disconnect();
      this.update({ connected: false, syncError: event.reason || `connection refused (${event.code})` });
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

  /** Re-reads the session's stems and starts loading the ones that are new to us. */
  refreshStems(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const res = await fetch(`/api/sessions/${encodeURIComponent(this.session.id)}`, { cache: 'no-store' });
        if (!res.ok || this.disposed) return;
        const detail = (await res.json()) as GetSessionResponse;
        const fresh = detail.stems.filter((st) => !this.knownStems.has(st.id));
        if (fresh.length === 0) continue;
        for (const st of fresh) this.knownStems.add(st.id);
        this.update({
          stems: [...this.snapshot.stems, ...fresh.map((stem) => ({ stem, status: 'queued' as const, loadedBytes: 0, totalBytes: Math.max(1, Math.round(stem.durationSec * stem.sampleRate * stem.channels * 2)), error: null }))],
          duration: Math.max(this.snapshot.duration, ...fresh.map((st) => st.durationSec)),
        });
        if (this.graph) await Promise.all(fresh.map((st) => this.loadStem(st)));
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

  /** Loads Tone (browser-only, so never during the static export) and then every stem. */
  async startAudio(): Promise<void> {
    const Tone = (await import('tone')) as unknown as ToneLib;
    if (this.disposed) return;
    this.Tone = Tone;
    // A native context (not Tone's wrapped default) exposes getOutputTimestamp(), which
    // "Listen together" needs to map server time onto the audio output; 'playback' latency
    // trades a little responsiveness for glitch-free output on busy machines.
    const rawContext = new AudioContext({ latencyHint: 'playback' });
    Tone.setContext(new Tone.Context(rawContext));
    // A longer look-ahead than Tone's interactive default keeps two tabs on two cores from glitching.
    Tone.getContext().lookAhead = 0.05;
    // Before the graph exists, so channel compressors and the master chain are built with it;
    // without it the graph still plays (no dynamics) and says so in graph.notes.
    try {
      await loadDynamicsWorklet(rawContext, DYNAMICS_WORKLET_URL);
    } catch (e) {
      console.error('[mixroom] dynamics worklet unavailable:', e instanceof Error ? e.message : e);
    }
    if (this.disposed) return;
    // Kept so a bounce can hand the global context back to live playback (see lib/bounce.ts).
    this.liveContext = Tone.getContext();
    this.preview = new PlatformPreview(Tone);
    this.graph = new MixGraph(Tone, this.preview.input);
    this.transport = new MixTransport(Tone, () => this.duration);
    this.graph.apply(this.model.getState(), { immediate: true });
    window.__mixroom = { graph: this.graph, model: this.model, transport: this.transport, Tone, runtime: this, paramDefFor, render: (req) => renderInBrowser(this, req) };
    this.update({ audioReady: true });
    await Promise.all([this.loadStems(), this.startLoudnessMeter(rawContext)]);
  }

  // ------------------------------------------------------------------ loudness

  /**
   * The live master loudness meter: an AudioWorklet running the engine's own BS.1770 meter
   * on the master bus (a sink; it outputs nothing). A failure only disables the meter.
   */
  private async startLoudnessMeter(ctx: AudioContext): Promise<void> {
    try {
      if (!ctx.audioWorklet) throw new Error('this browser has no AudioWorklet');
      await ctx.audioWorklet.addModule(LOUDNESS_WORKLET_URL);
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

  /** Every stem decoded so far, by stem id: what a bounce renders. */
  decodedStems(): ReadonlyMap<string, AudioBuffer> {
    return new Map(this.buffers);
  }

  getBuffer(stemId: string): AudioBuffer | undefined {
    return this.buffers.get(stemId);
  }

  get duration(): number {
    return Math.max(this.graph?.duration ?? 0, this.snapshot.duration);
  }

  private async loadStems(): Promise<void> {
    const queue = this.snapshot.stems.filter((s) => s.status === 'queued').map((s) => s.stem);
    const worker = async () => {
      for (let stem = queue.shift(); stem; stem = queue.shift()) {
        if (this.disposed) return;
        await this.loadStem(stem);
      }
    };
    await Promise.all(Array.from({ length: DOWNLOAD_CONCURRENCY }, worker));
  }

  private async loadStem(stem: StemInfo): Promise<void> {
    try {
      this.updateStem(stem.id, { status: 'downloading' });
      const res = await fetch(stem.url);
      if (!res.ok) throw await httpError(res, `could not download ${stem.name}`);
      const bytes = await this.readWithProgress(stem.id, res);
      this.updateStem(stem.id, { status: 'decoding' });
      const ctx = this.Tone!.getContext().rawContext as unknown as BaseAudioContext;
      let buffer: AudioBuffer;
      try {
        buffer = await ctx.decodeAudioData(bytes);
      } catch (e) {
        throw new Error(`could not decode ${stem.name}: ${(e as Error).message || 'unsupported audio'}`);
      }
      if (this.disposed) return;
      this.buffers.set(stem.id, buffer);
      this.graph!.setStemBuffer(stem.id, buffer);
      this.updateStem(stem.id, { status: 'ready' });
      this.update({ duration: this.duration });
      if (this.transport?.loop) this.transport.setLoop(true, 0, this.duration);
      if (this.stemsReady) this.together?.resume();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      console.error(`[mixroom] stem ${stem.name} failed:`, message);
      this.updateStem(stem.id, { status: 'error', error: message });
    }
  }

  private async readWithProgress(stemId: string, res: Response): Promise<ArrayBuffer> {
    const header = Number(res.headers.get('content-length'));
    if (Number.isFinite(header) && header > 0) this.updateStem(stemId, { totalBytes: header });
    if (!res.body) {
      const buf = await res.arrayBuffer();
      this.updateStem(stemId, { loadedBytes: buf.byteLength, totalBytes: buf.byteLength });
      return buf;
    }
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    let lastReport = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      // Progress is cosmetic; throttle it so React isn't re-rendered per network chunk.
      const now = performance.now();
      if (now - lastReport > 100) {
        lastReport = now;
        this.updateStem(stemId, { loadedBytes: loaded });
      }
    }
    const out = new Uint8Array(loaded);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    this.updateStem(stemId, { loadedBytes: loaded, totalBytes: loaded });
    return out.buffer;
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

  async play(): Promise<void> {
    if (!this.Tone || !this.transport) return;
    // Browsers only let audio start from a user gesture; Play is that gesture.
    await this.Tone.start();
    const group = this.group;
    if (group) return group.command({ kind: 'play', position: this.transport.position });
    this.transport.play();
    this.refreshTransportState();
  }

  pause(): void {
    if (this.group) return void this.group.command({ kind: 'pause' });
    this.transport?.pause();
    this.refreshTransportState();
  }

  stop(): void {
    if (this.group) return void this.group.command({ kind: 'stop' });
    this.transport?.stop();
    this.refreshTransportState();
  }

  seek(seconds: number): void {
    if (this.group) return void this.group.command({ kind: 'seek', position: Math.min(Math.max(0, seconds), this.duration) });
    this.transport?.seek(seconds);
  }

  setLoop(enabled: boolean): void {
    if (this.group) return void this.group.command({ kind: 'loop', enabled, start: 0, end: this.duration });
    this.transport?.setLoop(enabled, 0, this.duration);
    this.update({ loop: enabled });
  }

  /** Re-reads the transport after something other than these methods moved it. */
  refreshTransportState(): void {
    if (!this.transport) return;
    const next = this.transport.state;
    // "Integrated since play started": playback starting from stopped starts the meter over.
    if (this.snapshot.transportState === 'stopped' && next === 'started') this.resetLoudness();
    this.update({ transportState: next, loop: this.transport.loop });
  }

  /** Called every animation frame: stops at the end of the song when not looping. */
  tick(): number {
    const t = this.transport;
    if (!t) return 0;
    const pos = t.position;
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
    this.preview?.dispose();
    this.history.destroy();
    this.provider.destroy();
    this.doc.destroy();
    this.together?.dispose();
    if (window.__mixroom?.runtime === this) delete window.__mixroom;
  }
}
