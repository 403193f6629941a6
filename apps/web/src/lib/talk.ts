import type { Socket } from 'socket.io-client';
import {
  EVENTS, TALK_EVENTS, TalkLeftPayload, TalkSignalMessage,
  type IceServers, type TalkJoinAck, type TalkSignalAck, type TalkSignalPayload,
} from '@mixroom/protocol';
import { VoiceActivityDetector } from '@mixroom/engine';

export interface TalkPeerSnapshot {
  peerId: string;
  name: string;
  connection: RTCPeerConnectionState;
  /** Voice detected in what this peer sends (whatever this listener's volume for them). */
  talking: boolean;
  /** 0–2 (linear); 1 = as received. */
  volume: number;
  muted: boolean;
}

export type MicState = 'off' | 'starting' | 'ready' | 'denied' | 'missing' | 'failed' | 'not-allowed-by-role';

export interface TalkSnapshot {
  state: 'off' | 'joining' | 'on';
  canTalk: boolean;
  mic: MicState;
  /** What to tell the person about the microphone, in words; null when all is well. */
  micMessage: string | null;
  error: string | null;
  /** Talk held (button or T). */
  pushing: boolean;
  openMic: boolean;
  /** This person's voice is going out now. */
  transmitting: boolean;
  peers: TalkPeerSnapshot[];
  /** Someone is talking: a peer not muted here, or this person. Drives the music ducking. */
  voiceActive: boolean;
}

interface Peer {
  pc: RTCPeerConnection;
  name: string;
  pendingIce: RTCIceCandidateInit[];
  remoteSet: boolean;
  element: HTMLAudioElement | null;
  stream: MediaStream | null;
  source: MediaStreamAudioSourceNode | null;
  analyser: AnalyserNode | null;
  gain: GainNode | null;
  vad: VoiceActivityDetector | null;
  talking: boolean;
  volume: number;
  muted: boolean;
  /** Highest block level (dBFS) since the last `takePeakLevels()`, for tests and benchmarks. */
  peakDb: number;
}

const TICK_MS = 20;
const SESSION_JOIN_WAIT_MS = 15_000;
const ANALYSER_SIZE = 1024;

const MIC_MESSAGES: Record<'denied' | 'missing' | 'failed', string> = {
  denied: 'Microphone permission was refused, so you can listen but not talk. Allow the microphone for this site in the browser, then leave and join the talk again.',
  missing: 'No microphone was found, so you can listen but not talk. Connect one, then leave and join the talk again.',
  failed: 'The microphone could not be started, so you can listen but not talk.',
};

/**
 * Talkback in the browser, framework-free: a WebRTC mesh (one RTCPeerConnection per peer in the
 * session's voice, at most 6 people) signalled over the session's socket.io connection. The
 * microphone (echo cancellation, noise suppression) is sent muted until Talk is held or the open
 * mic is on (the track is disabled, not removed, so nothing is renegotiated). Each received voice
 * plays through its own gain (volume, mute) in this client's AudioContext, and an AnalyserNode
 * feeds a VoiceActivityDetector: "Ana is talking", and the ducking of the music (`voiceActive`).
 */
export class TalkClient {
  private snap: TalkSnapshot = {
    state: 'off', canTalk: false, mic: 'off', micMessage: null, error: null, pushing: false, openMic: false, transmitting: false, peers: [], voiceActive: false,
  };
  private readonly listeners = new Set<() => void>();
  private readonly peers = new Map<string, Peer>();
  private ctx: AudioContext | null = null;
  private mic: MediaStream | null = null;
  private iceServers: IceServers = [];
  private selfId: string | null = null;
  private ready: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly block = new Float32Array(ANALYSER_SIZE);

  constructor(
    private readonly socket: Socket,
    /** Resolves when the socket is in the session: the server refuses the voice to a socket that is not (yet). */
    private readonly sessionJoined: () => Promise<void> = () => Promise.resolve(),
    private readonly media: Pick<MediaDevices, 'getUserMedia'> | undefined = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined,
  ) {
    socket.on(TALK_EVENTS.incoming, this.onIncoming);
    socket.on(TALK_EVENTS.left, this.onLeft);
    socket.on(EVENTS.presenceLeft, this.onLeft);
    // The server forgets the voice on a reconnect: join it again.
    socket.on('connect', this.onReconnect);
  }

  getSnapshot = (): TalkSnapshot => this.snap;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** Enters the session's voice: everyone in it is heard; with the `talk` capability and a microphone, one can talk. */
  async join(): Promise<void> {
    if (this.snap.state !== 'off') return;
    this.set({ state: 'joining', error: null });
    this.ctx ??= new AudioContext({ latencyHint: 'interactive' });
    void this.ctx.resume();
    let ack: TalkJoinAck;
    try {
      // Just after the page opens (or a reconnect) the session join may still be on its way.
      const inSession = await Promise.race([this.sessionJoined().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), SESSION_JOIN_WAIT_MS))]);
      if (!inSession) throw new Error('not in the session');
      ack = (await this.socket.timeout(10_000).emitWithAck(TALK_EVENTS.join, null)) as TalkJoinAck;
    } catch {
      ack = { ok: false, error: { code: 'internal', message: 'the server did not answer; try again' } };
    }
    if (!ack.ok) {
      this.set({ state: 'off', error: `Could not join the talk: ${ack.error.message}` });
      return;
    }
    this.selfId = ack.peerId;
    this.iceServers = ack.iceServers;
    this.set({ state: 'on', canTalk: ack.canTalk, mic: ack.canTalk ? 'starting' : 'not-allowed-by-role', micMessage: ack.canTalk ? null : 'Your role can listen to the talk but not talk.' });
    this.ready = ack.canTalk ? this.startMic() : Promise.resolve();
    await this.ready;
    this.timer ??= setInterval(this.tick, TICK_MS);
    // Whoever joins offers to everyone already there (they never offer first: no glare).
    for (const p of ack.peers) void this.offer(p.peerId, p.name);
  }

  leave(): void {
    if (this.snap.state === 'off') return;
    this.socket.emit(TALK_EVENTS.leave);
    for (const id of [...this.peers.keys()]) this.drop(id);
    this.stopMic();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.set({ state: 'off', pushing: false, transmitting: false, peers: [], voiceActive: false, mic: 'off', micMessage: null });
  }

  /** Push-to-talk: the Talk button or the T key, held. */
  setPushing(pushing: boolean): void {
    if (pushing === this.snap.pushing) return;
    this.set({ pushing });
    this.applyTransmit();
  }

  setOpenMic(openMic: boolean): void {
    this.set({ openMic });
    this.applyTransmit();
  }

  setVolume(peerId: string, volume: number): void {
    const p = this.peers.get(peerId);
    if (!p) return;
    p.volume = Math.max(0, Math.min(2, volume));
    this.applyGain(p);
    this.publishPeers();
  }

  setMuted(peerId: string, muted: boolean): void {
    const p = this.peers.get(peerId);
    if (!p) return;
    p.muted = muted;
    this.applyGain(p);
    this.publishPeers();
  }

  /** Highest received level per peer (dBFS) since the last call; for tests and benchmarks. */
  takePeakLevels(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, p] of this.peers) {
      out[id] = p.peakDb;
      p.peakDb = -Infinity;
    }
    return out;
  }

  dispose(): void {
    this.leave();
    this.socket.off(TALK_EVENTS.incoming, this.onIncoming);
    this.socket.off(TALK_EVENTS.left, this.onLeft);
    this.socket.off(EVENTS.presenceLeft, this.onLeft);
    this.socket.off('connect', this.onReconnect);
    void this.ctx?.close();
    this.ctx = null;
    this.listeners.clear();
  }

  // ------------------------------------------------------------------ microphone

  private async startMic(): Promise<void> {
    if (!this.media?.getUserMedia) {
      this.set({ mic: 'missing', micMessage: MIC_MESSAGES.missing });
      return;
    }
    try {
      this.mic = await this.media.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false });
      for (const t of this.mic.getAudioTracks()) t.enabled = false;
      this.set({ mic: 'ready', micMessage: null });
      this.applyTransmit();
    } catch (e) {
      const name = e instanceof DOMException ? e.name : '';
      const kind = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : 'failed';
      this.set({ mic: kind, micMessage: MIC_MESSAGES[kind] });
    }
  }

  private stopMic(): void {
    for (const t of this.mic?.getTracks() ?? []) t.stop();
    this.mic = null;
  }

  private applyTransmit(): void {
    const transmitting = !!this.mic && this.snap.mic === 'ready' && (this.snap.pushing || this.snap.openMic);
    for (const t of this.mic?.getAudioTracks() ?? []) t.enabled = transmitting;
    if (transmitting !== this.snap.transmitting) this.set({ transmitting });
    this.updateVoiceActive();
  }

  // ------------------------------------------------------------------ signalling

  private send(payload: TalkSignalPayload): void {
    void (this.socket.timeout(10_000).emitWithAck(TALK_EVENTS.signal, payload) as Promise<TalkSignalAck>).then(
      (ack) => {
        if (!ack.ok) this.set({ error: `Talk: ${ack.error.message}` });
      },
      () => {},
    );
  }

  private createPeer(peerId: string, name: string): Peer {
    this.drop(peerId);
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const peer: Peer = {
      pc, name, pendingIce: [], remoteSet: false, element: null, stream: null, source: null, analyser: null, gain: null, vad: null,
      talking: false, volume: 1, muted: false, peakDb: -Infinity,
    };
    this.peers.set(peerId, peer);
    pc.onicecandidate = (e) => {
      if (e.candidate) this.send({ to: peerId, kind: 'ice', candidate: e.candidate.toJSON() as never });
    };
    pc.ontrack = (e) => this.attachVoice(peer, e.streams[0] ?? new MediaStream([e.track]));
    pc.onconnectionstatechange = () => this.publishPeers();
    this.publishPeers();
    return peer;
  }

  private localTrack(): MediaStreamTrack | null {
    return this.mic?.getAudioTracks()[0] ?? null;
  }

  private async offer(peerId: string, name: string): Promise<void> {
    const peer = this.createPeer(peerId, name);
    const track = this.localTrack();
    if (track) peer.pc.addTransceiver(track, { direction: 'sendrecv', streams: [this.mic!] });
    else peer.pc.addTransceiver('audio', { direction: 'recvonly' });
    const offer = await peer.pc.createOffer();
    await peer.pc.setLocalDescription(offer);
    this.send({ to: peerId, kind: 'offer', sdp: peer.pc.localDescription!.sdp });
  }

  private onIncoming = (raw: unknown): void => {
    const parsed = TalkSignalMessage.safeParse(raw);
    if (!parsed.success || this.snap.state === 'off') return;
    void this.ready.then(() => this.handle(parsed.data)).catch((e) => {
      console.warn('[mixroom] talk signalling failed', e);
    });
  };

  private async handle(m: TalkSignalMessage): Promise<void> {
    if (m.kind === 'offer' && m.sdp) {
      const peer = this.createPeer(m.from, m.name);
      await peer.pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
      const transceiver = peer.pc.getTransceivers()[0];
      const track = this.localTrack();
      if (transceiver) {
        if (track) {
          await transceiver.sender.replaceTrack(track);
          transceiver.sender.setStreams?.(this.mic!);
          transceiver.direction = 'sendrecv';
        } else transceiver.direction = 'recvonly';
      }
      await this.remoteReady(peer);
      const answer = await peer.pc.createAnswer();
      await peer.pc.setLocalDescription(answer);
      this.send({ to: m.from, kind: 'answer', sdp: peer.pc.localDescription!.sdp });
      return;
    }
    const peer = this.peers.get(m.from);
    if (!peer) return;
    if (m.kind === 'answer' && m.sdp) {
      await peer.pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
      await this.remoteReady(peer);
    } else if (m.kind === 'ice' && m.candidate) {
      if (peer.remoteSet) await peer.pc.addIceCandidate(m.candidate);
      else peer.pendingIce.push(m.candidate);
    } else if (m.kind === 'hangup') this.drop(m.from);
  }

  private async remoteReady(peer: Peer): Promise<void> {
    peer.remoteSet = true;
    for (const c of peer.pendingIce.splice(0)) await peer.pc.addIceCandidate(c);
  }

  private onLeft = (raw: unknown): void => {
    // talk:left and presence:left carry the same { peerId }.
    const p = TalkLeftPayload.safeParse(raw);
    if (p.success) this.drop(p.data.peerId);
  };

  private onReconnect = (): void => {
    if (this.snap.state !== 'on') return;
    this.leave();
    // PresenceClient re-joins the session on connect; join() waits for that.
    void this.join();
  };

  private drop(peerId: string): void {
    const p = this.peers.get(peerId);
    if (!p) return;
    this.peers.delete(peerId);
    p.pc.onicecandidate = p.pc.ontrack = p.pc.onconnectionstatechange = null;
    p.pc.close();
    p.source?.disconnect();
    p.gain?.disconnect();
    if (p.element) p.element.srcObject = null;
    this.publishPeers();
  }

  // ------------------------------------------------------------------ received voices

  private attachVoice(peer: Peer, stream: MediaStream): void {
    const ctx = this.ctx;
    if (!ctx || peer.source) return;
    // Chromium delivers a remote WebRTC stream to Web Audio only while a media element plays it.
    peer.element = new Audio();
    peer.element.muted = true;
    peer.element.srcObject = stream;
    void peer.element.play().catch(() => {});
    peer.source = ctx.createMediaStreamSource(stream);
    peer.analyser = ctx.createAnalyser();
    peer.analyser.fftSize = ANALYSER_SIZE;
    peer.gain = ctx.createGain();
    peer.source.connect(peer.analyser);
    peer.source.connect(peer.gain).connect(ctx.destination);
    peer.vad = new VoiceActivityDetector({ sampleRate: ctx.sampleRate });
    peer.stream = stream;
    this.applyGain(peer);
    this.publishPeers();
  }

  /** The voices received now (not the muted ones): the music ducker listens to them on the audio thread. */
  voiceStreams(): Array<{ peerId: string; stream: MediaStream }> {
    return [...this.peers.entries()].filter(([, p]) => p.stream && !p.muted).map(([peerId, p]) => ({ peerId, stream: p.stream! }));
  }

  private applyGain(p: Peer): void {
    if (p.gain && this.ctx) p.gain.gain.setTargetAtTime(p.muted ? 0 : p.volume, this.ctx.currentTime, 0.01);
  }

  private tick = (): void => {
    let changed = false;
    for (const p of this.peers.values()) {
      if (!p.analyser || !p.vad) continue;
      p.analyser.getFloatTimeDomainData(this.block);
      const talking = p.vad.process(this.block);
      if (p.vad.levelDb > p.peakDb) p.peakDb = p.vad.levelDb;
      if (talking !== p.talking) {
        p.talking = talking;
        changed = true;
      }
    }
    if (changed) this.publishPeers();
  };

  private publishPeers(): void {
    const peers = [...this.peers.entries()].map(([peerId, p]) => ({
      peerId, name: p.name, connection: p.pc.connectionState, talking: p.talking, volume: p.volume, muted: p.muted,
    }));
    this.set({ peers });
    this.updateVoiceActive();
  }

  private updateVoiceActive(): void {
    const active = this.snap.transmitting || [...this.peers.values()].some((p) => p.talking && !p.muted);
    if (active !== this.snap.voiceActive) this.set({ voiceActive: active });
  }

  private set(patch: Partial<TalkSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const l of this.listeners) l();
  }
}
