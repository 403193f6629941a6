import type { Socket } from 'socket.io-client';
import {
  EVENTS,
  SharedTransportStateSchema,
  type ClockPong,
  type SharedTransportStateMessage,
  type TransportAck,
  type TransportCommandPayload,
} from '@mixroom/protocol';
import { ClockSync, pauseCancellingLater, planDriftCorrection, positionAt, startNowInsteadOf, type SharedTransportState } from '@mixroom/engine';
import type { SessionRuntime } from './session-runtime';

/** transport:get tries before "Listen together" gives up (5 s each). */
const JOIN_ATTEMPTS = 4;

/** Fast exchanges while the window fills, then a slow trickle that tracks drift. */
const FAST_PING_MS = 250;
const SLOW_PING_MS = 2000;
/**
 * The earliest a start can be scheduled is Tone's look-ahead plus a margin past the context's
 * current time; a start the group scheduled earlier than that (a late message, a late joiner)
 * begins here instead, at the position the group has reached by then.
 */
const SCHEDULE_MARGIN_S = 0.02;
/** How often this browser compares where it plays with where the group is. */
const DRIFT_CHECK_MS = 500;
/** Output-timestamp readings kept (one per 100 ms) for a median robust to audio-thread hiccups. */
const MAPPING_WINDOW = 21;

export interface TogetherSnapshot {
  enabled: boolean;
  /** The group's last command, for "Ana started playback at 1:32". */
  lastAction: SharedTransportState['lastAction'];
  clockReady: boolean;
  offsetMs: number;
  uncertaintyMs: number;
  error: string | null;
}

export interface ScheduledStart {
  /** Server time (ms) at which this browser's audio output plays `position`, read back from the AudioContext timeline. */
  serverMs: number;
  position: number;
  seq: number;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * "Listen together" in the browser: estimates the offset to the server clock over the
 * presence socket, sends transport commands to the server instead of acting locally, and
 * applies the server's ordered states by scheduling starts on the AudioContext timeline at
 * the same server instant as everyone else.
 */
export class TogetherClient {
  private readonly clock = new ClockSync({ window: 32 });
  private state: SharedTransportState | null = null;
  private snapshot: TogetherSnapshot;
  private readonly listeners = new Set<() => void>();
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private driftTimer: ReturnType<typeof setInterval> | null = null;
  private disposed = false;
  private mappingSamples: number[] = [];
  /** Audio ahead of Tone's transport position because of rate nudges since the last (re)start, s. */
  private nudgeOffsetS = 0;
  private lastDriftCheck = 0;
  private lastTransportSeconds = 0;
  private mappingTimer: ReturnType<typeof setInterval> | null = null;
  /** For tests and diagnostics: where this browser last scheduled a shared start. */
  lastStart: ScheduledStart | null = null;
  /** Context time of the last start this client scheduled (it may still be to come). */
  private startAt = 0;
  private startPosition = 0;

  constructor(
    private readonly socket: Socket,
    private readonly runtime: SessionRuntime,
    private readonly onStatus: (status: { together: boolean }) => void,
  ) {
    this.snapshot = { enabled: false, lastAction: null, clockReady: false, offsetMs: 0, uncertaintyMs: Infinity, error: null };
    socket.on(EVENTS.transportState, this.onState);
    socket.on('connect', this.onConnect);
    this.schedulePing(0);
    this.driftTimer = setInterval(() => this.correctDrift(), DRIFT_CHECK_MS);
    this.mappingTimer = setInterval(() => this.sampleOutputMapping(), 100);
  }

  get enabled(): boolean {
    return this.snapshot.enabled;
  }

  getSnapshot = (): TogetherSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Turns "Listen together" on (joining the group's position) or off (playing alone from here). */
  async setEnabled(enabled: boolean): Promise<void> {
    this.set({ enabled, error: null });
    this.onStatus({ together: enabled });
    if (!enabled) {
      this.playOnAlone();
      return;
    }
    // A page still connecting, or a server busy for a moment, must not leave the switch on but
    // deaf: ask again (a few times, then say so) for as long as the person keeps it on.
    for (let attempt = 1; ; attempt++) {
      const ack = (await this.socket.timeout(5000).emitWithAck(EVENTS.transportGet, {}).catch(() => null)) as TransportAck | null;
      if (!this.enabled) return;
      if (ack?.ok) {
        this.set({ error: null });
        this.accept(ack.state, true);
        return;
      }
      if (ack || attempt >= JOIN_ATTEMPTS) {
        this.set({ error: ack && !ack.ok ? ack.error.message : 'no answer from the server' });
        return;
      }
      this.set({ error: 'waiting for the server…' });
    }
  }

  /** Sends a transport command to the group. Rejections are shown, never applied. */
  async command(command: TransportCommandPayload): Promise<void> {
    const ack = (await this.socket.timeout(5000).emitWithAck(EVENTS.transportCommand, command).catch(() => null)) as TransportAck | null;
    if (!ack) this.set({ error: 'the server did not answer' });
    else if (!ack.ok) this.set({ error: ack.error.message });
    else {
      this.set({ error: null });
      this.accept(ack.state, false);
    }
  }

  /** Called when this browser's stems finish loading: join a running playback at the right place. */
  resume(): void {
    if (this.enabled && this.state) this.apply(this.state);
  }

  /**
   * Reads back what this browser is actually playing, from the AudioContext timeline: the
   * server instant at which song position 0 would have left the output. Everyone in sync
   * reports the same instant, whenever they are asked.
   */
  measurePlaybackOrigin(): number | null {
    const Tone = this.runtime.Tone;
    if (!Tone) return null;
    const t = Tone.getTransport();
    if (t.state !== 'started') return null;
    const contextTime = Tone.now();
    const position = t.getSecondsAtTime(contextTime) + this.currentNudgeOffset();
    return this.contextToServerTime(contextTime) - position * 1000;
  }

  /** Maps a server instant to the AudioContext time at which the output plays it. */
  serverToContextTime(serverMs: number): number {
    const perf = this.clock.toClientTime(serverMs) - performance.timeOrigin;
    return (perf + this.outputMappingMs()) / 1000;
  }

  contextToServerTime(contextTime: number): number {
    return this.clock.toServerTime(contextTime * 1000 - this.outputMappingMs() + performance.timeOrigin);
  }

  /**
   * contextTime·1000 − performanceTime of the sample at the output, from getOutputTimestamp().
   * A single reading can be off by a render quantum or a hiccup of the audio thread (seen in
   * Chromium right after user input), so the median of recent readings is used.
   */
  private outputMappingMs(): number {
    this.sampleOutputMapping();
    const sorted = [...this.mappingSamples].sort((a, b) => a - b);
    return sorted.length ? sorted[sorted.length >> 1] : 0;
  }

  private sampleOutputMapping(): void {
    const raw = this.rawContext();
    if (!raw) return;
    const ts = typeof raw.getOutputTimestamp === 'function' ? raw.getOutputTimestamp() : null;
    const d =
      ts && ts.performanceTime && ts.contextTime !== undefined
        ? ts.contextTime * 1000 - ts.performanceTime
        : raw.currentTime * 1000 - performance.now() - (raw.outputLatency ?? raw.baseLatency ?? 0) * 1000;
    this.mappingSamples.push(d);
    if (this.mappingSamples.length > MAPPING_WINDOW) this.mappingSamples.shift();
  }

  dispose(): void {
    this.disposed = true;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    if (this.driftTimer) clearInterval(this.driftTimer);
    if (this.mappingTimer) clearInterval(this.mappingTimer);
    this.socket.off(EVENTS.transportState, this.onState);
    this.socket.off('connect', this.onConnect);
    this.listeners.clear();
  }

  private rawContext(): AudioContext | null {
    return (this.runtime.Tone?.getContext().rawContext as unknown as AudioContext) ?? null;
  }

  private readonly onConnect = () => {
    // A reconnect may land on another route with other delays: measure afresh, then rejoin.
    this.schedulePing(0);
    if (this.enabled) void this.setEnabled(true);
  };

  private readonly onState = (raw: unknown) => {
    const parsed = SharedTransportStateSchema.safeParse(raw);
    if (parsed.success) this.accept(parsed.data, false);
  };

  private accept(state: SharedTransportStateMessage, force: boolean): void {
    // States arrive both as broadcasts and as acks; apply each sequence number once, in order.
    if (!force && this.state && state.seq <= this.state.seq) return;
    this.state = state;
    this.set({ lastAction: state.lastAction });
    if (this.enabled) this.apply(state);
  }

  private apply(state: SharedTransportState): void {
    const Tone = this.runtime.Tone;
    const transport = this.runtime.transport;
    if (!Tone || !transport || !this.runtime.stemsReady) return; // resume() applies it once loaded
    const t = Tone.getTransport();
    const duration = this.runtime.duration;
    t.setLoopPoints(state.loop.start, state.loop.end > state.loop.start ? state.loop.end : Math.max(duration, 0.05));
    t.loop = state.loop.enabled;
    if (state.playing) {
      const earliest = Tone.now() + SCHEDULE_MARGIN_S;
      const startServer = Math.max(state.anchorServerMs, this.contextToServerTime(earliest));
      const position = positionAt(state, startServer, duration);
      const at = Math.max(this.serverToContextTime(startServer), earliest);
      // A nudged rate would skew the offsets Tone computes for the players' restart.
      this.runtime.graph?.setPlaybackRate(1);
      this.nudgeOffsetS = 0;
      this.lastDriftCheck = performance.now();
      this.lastTransportSeconds = 0;
      // Stop and restart on the same instant: playback runs on until the jump, with no gap.
      if (t.state === 'started') t.stop(at);
      t.start(at, position);
      this.startAt = at;
      this.startPosition = position;
      this.lastStart = { serverMs: startServer, position, seq: state.seq };
      // Read now, Tone's transport is still stopped or paused until `at`: the page must say
      // PLAYING (and Space must pause) from the moment the start is scheduled.
      this.runtime.refreshTransportState('started');
      return;
    } else {
      this.runtime.graph?.setPlaybackRate(1);
      this.nudgeOffsetS = 0;
      const now = Tone.now();
      // A start scheduled a moment ahead (this play's, or a realignment's) would play on after a
      // plain pause: on a busy machine the group's pause left one page playing under PAUSED.
      if (this.startAt > now) pauseCancellingLater(t, now, state.position);
      else if (t.state === 'started') t.pause(now);
      this.startAt = 0;
      t.seconds = state.position;
      if (state.position === 0 && state.lastAction?.kind === 'stop') t.stop();
    }
    this.runtime.refreshTransportState();
  }

  /**
   * Stepping out: this page plays on alone from where the group had it. A group start still to
   * come (a play, a jump, a realignment) happens now, from where it would have the song now: left
   * in Tone's timeline it fired whatever this page did alone meanwhile, and after a seek it played
   * the song from 0:00. A drift nudge (a playback rate a hair off 1) ends, the stems put back on
   * the transport's position.
   */
  private playOnAlone(): void {
    const Tone = this.runtime.Tone;
    if (!Tone) return;
    const now = Tone.now();
    const t = Tone.getTransport();
    const pending = this.startAt > now;
    const nudged = (this.runtime.graph?.playbackRate ?? 1) !== 1;
    this.runtime.graph?.setPlaybackRate(1);
    this.nudgeOffsetS = 0;
    if (pending) startNowInsteadOf(t, now, this.startAt, this.startPosition);
    else if (nudged && t.state === 'started') startNowInsteadOf(t, now, now, t.getSecondsAtTime(now));
    this.startAt = 0;
    if (pending) this.runtime.refreshTransportState('started');
  }

  private currentNudgeOffset(): number {
    const rate = this.runtime.graph?.playbackRate ?? 1;
    return this.nudgeOffsetS + ((performance.now() - this.lastDriftCheck) / 1000) * (rate - 1);
  }

  private correctDrift(): void {
    const Tone = this.runtime.Tone;
    const graph = this.runtime.graph;
    if (!this.enabled || !this.state?.playing || !Tone || !graph || !this.clock.ready) return;
    const t = Tone.getTransport();
    if (t.state !== 'started') return;
    // Before the group's start (a jump scheduled a moment ahead) the transport still plays the old
    // position: measured against the new one it read as seconds of drift and "realigned" again.
    if (this.startAt > Tone.now()) return;
    this.nudgeOffsetS = this.currentNudgeOffset();
    this.lastDriftCheck = performance.now();
    // A loop jump restarts every player in step with the transport: earlier nudges are gone.
    if (t.seconds < this.lastTransportSeconds) this.nudgeOffsetS = 0;
    this.lastTransportSeconds = t.seconds;
    // Tone's transport time refers to Tone.now() (currentTime + look-ahead) on the context timeline.
    const expected = positionAt(this.state, this.contextToServerTime(Tone.now()), this.runtime.duration);
    const actual = t.seconds + this.nudgeOffsetS;
    const loopLen = this.state.loop.end - this.state.loop.start;
    let error = actual - expected;
    if (this.state.loop.enabled && loopLen > 0 && Math.abs(error) > loopLen / 2) error -= Math.sign(error) * loopLen;
    const plan = planDriftCorrection(error);
    if (plan.action === 'realign') this.apply(this.state);
    else graph.setPlaybackRate(plan.action === 'nudge' ? plan.playbackRate : 1);
  }

  private schedulePing(delay: number): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => void this.ping(), delay);
  }

  private async ping(): Promise<void> {
    if (this.disposed) return;
    if (this.socket.connected) {
      const clientSendMs = now();
      const pong = (await this.socket.timeout(2000).emitWithAck(EVENTS.clockPing, { clientSendMs }).catch(() => null)) as ClockPong | null;
      if (pong && typeof pong.serverMs === 'number') {
        this.clock.addSample({ clientSendMs, serverMs: pong.serverMs, clientReceiveMs: now() });
        this.set({ clockReady: this.clock.ready, offsetMs: this.clock.offsetMs, uncertaintyMs: this.clock.uncertaintyMs });
      }
    }
    if (!this.disposed) this.schedulePing(this.clock.sampleCount < 32 ? FAST_PING_MS : SLOW_PING_MS);
  }

  private set(patch: Partial<TogetherSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }
}
