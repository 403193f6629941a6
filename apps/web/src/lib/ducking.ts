import { DUCKER_DEFAULTS, DUCKER_PROCESSOR_NAME, type DuckerCommand, type DuckerReport } from '@mixroom/engine';

export interface DuckingSnapshot {
  /** How far the music goes down while someone talks, dB (≤ 0; 0 = no ducking). */
  depthDb: number;
  /** The gain applied now, dB (as the audio thread last reported it). */
  gainDb: number;
}

const STORAGE_KEY = 'mixroom.talk.duckDb';
export const DUCKER_WORKLET_URL = '/worklets/ducker-processor.js';

/** Where the ducker sits: the session's context and the monitor path to put it in. */
export interface DuckerHost {
  ctx: AudioContext;
  /** Puts `node` on the monitor path after the mix, its meters and the platform preview. */
  insert(node: AudioNode): void;
}

/** What drives it: the voices received now, and whether to duck regardless (talking oneself, a voice note). */
export interface DuckerSources {
  voices(): Array<{ peerId: string; stream: MediaStream }>;
  force(): boolean;
}

/**
 * Turns this listener's music down while anyone talks (talkback) or a voice note plays, locally,
 * on the monitor path after the mix and its meters: loudness readings, renders and the others'
 * music are untouched. The envelope (attack 30 ms, hold 300 ms, release 600 ms) and the voice
 * detection run on the audio thread, in the 'mixroom-ducker' worklet (engine SidechainDucker):
 * the received voices are its sidechain, in this session's context. The page only tells it about
 * changes — voices joining or muted, the force flag, the depth — as they happen; no page timer.
 */
export class MusicDucker {
  private snap: DuckingSnapshot;
  private readonly listeners = new Set<() => void>();
  private node: AudioWorkletNode | null = null;
  private sidechain: GainNode | null = null;
  private installing: Promise<void> | null = null;
  private installedIn: AudioContext | null = null;
  private readonly voices = new Map<string, { stream: MediaStream; source: MediaStreamAudioSourceNode }>();
  private forced = false;
  private disposed = false;

  constructor(
    /** The session's audio; null until it starts. */
    private readonly host: () => DuckerHost | null,
    private readonly sources: DuckerSources,
  ) {
    const raw = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
    const stored = raw === null ? NaN : Number(raw);
    const depthDb = Number.isFinite(stored) && stored <= 0 ? Math.max(-60, stored) : DUCKER_DEFAULTS.depthDb;
    this.snap = { depthDb, gainDb: 0 };
  }

  getSnapshot = (): DuckingSnapshot => this.snap;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** Brings the audio thread up to date: call when voices, mutes, talking or voice notes change, and when the audio starts. */
  sync(): void {
    if (this.disposed) return;
    const host = this.host();
    if (!host) return;
    if (this.installedIn !== host.ctx) {
      this.installing ??= this.install(host).finally(() => (this.installing = null));
      return;
    }
    const node = this.node!;
    const force = this.sources.force();
    if (force !== this.forced) {
      this.forced = force;
      this.send({ type: 'force', on: force });
    }
    const wanted = new Map(this.sources.voices().map((v) => [v.peerId, v.stream]));
    for (const [id, v] of this.voices) {
      if (wanted.get(id) === v.stream) continue;
      v.source.disconnect();
      this.voices.delete(id);
    }
    for (const [id, stream] of wanted) {
      if (this.voices.has(id) || !stream.getAudioTracks().length) continue;
      const source = host.ctx.createMediaStreamSource(stream);
      source.connect(this.sidechain!);
      this.voices.set(id, { stream, source });
    }
    void node;
  }

  setDepth(depthDb: number): void {
    const d = Math.max(-60, Math.min(0, Number.isFinite(depthDb) ? depthDb : DUCKER_DEFAULTS.depthDb));
    this.send({ type: 'depth', depthDb: d });
    try {
      localStorage.setItem(STORAGE_KEY, String(d));
    } catch {
      /* private mode: not remembered */
    }
    this.set({ depthDb: d });
  }

  /** Leaves the node in place (unity gain when nobody talks) but lets go of the voices and the force flag. */
  stop(): void {
    for (const v of this.voices.values()) v.source.disconnect();
    this.voices.clear();
    if (this.forced) this.send({ type: 'force', on: false });
    this.forced = false;
  }

  dispose(): void {
    this.stop();
    this.disposed = true;
    this.listeners.clear();
  }

  private async install(host: DuckerHost): Promise<void> {
    const { ctx } = host;
    try {
      await ctx.audioWorklet.addModule(DUCKER_WORKLET_URL);
    } catch (e) {
      console.warn('the ducker worklet could not be loaded: the music will not be turned down for voices', e);
      return;
    }
    if (this.disposed) return;
    const node = new AudioWorkletNode(ctx, DUCKER_PROCESSOR_NAME, {
      numberOfInputs: 2, numberOfOutputs: 1, outputChannelCount: [2], processorOptions: { depthDb: this.snap.depthDb },
    });
    // Every voice summed to one channel for the detector.
    const sidechain = ctx.createGain();
    sidechain.channelCount = 1;
    sidechain.channelCountMode = 'explicit';
    sidechain.channelInterpretation = 'speakers';
    sidechain.connect(node, 0, 1);
    node.port.onmessage = (e: MessageEvent<DuckerReport>) => {
      if (e.data.type === 'gain') this.set({ gainDb: Math.round(e.data.gainDb * 100) / 100 });
    };
    host.insert(node);
    this.node = node;
    this.sidechain = sidechain;
    this.installedIn = ctx;
    this.voices.clear();
    this.forced = false;
    this.sync();
  }

  private send(cmd: DuckerCommand): void {
    this.node?.port.postMessage(cmd);
  }

  private set(patch: Partial<DuckingSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const l of this.listeners) l();
  }
}
