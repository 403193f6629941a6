import { ChannelDsp, type Buses, type ChannelAutomation } from '../offline/channel';
import { BusGainCurve, type BusAutomation } from '../offline/bus-automation';
import { ChunkCacheReader, type ChunkCacheLayout } from './chunk-cache';
import {
  GAIN_CHANNELS,
  GAIN_OUTPUT,
  MAX_LIVE_CHANNELS,
  METER_FIELDS,
  METER_GR,
  METER_PEAK,
  METER_RMS,
  METER_UNDERRUNS,
  STATUS_BUSY,
  STATUS_CONTEXT_FRAME,
  STATUS_PLAYING,
  STATUS_SONG_FRAME,
  STATUS_UNDERRUNS,
  statusViews,
  type LiveChannelConfig,
  type MixProcessorMessage,
} from './mix-protocol';

/** Frames over which the channel meters integrate (about 21 ms at 48 kHz, as the old analysers). */
const METER_WINDOW = 1024;
/** Largest block the core is asked for (Web Audio's render quantum is 128). */
const MAX_BLOCK = 128;

interface StemReader {
  read(start: number, frames: number, out: Float32Array[]): boolean;
  readonly channels: number;
  /** Frames of the stem at the context rate: past it a channel is silent and that is no underrun. */
  readonly length: number;
}

interface LiveChannel {
  config: LiveChannelConfig;
  dsp: ChannelDsp;
  automation: ChannelAutomation | null;
}

type TransportEvent = { frame: number; kind: 'start'; songFrame: number; rate: number } | { frame: number; kind: 'stop' };

/**
 * The whole live mix of channel strips, block by block, as the mix AudioWorklet runs it (and as
 * tests run it in Node): every channel reads its stem from a shared chunk cache at the song
 * position, runs the engine's ChannelDsp (the code renders use) and adds into three stereo
 * outputs (master sum, reverb send, delay send). Play, stop and loop jumps arrive as events
 * scheduled on context frames and land on their exact frame inside a block. A chunk that is not
 * in the cache plays silence for that channel and is counted, never blocks the audio thread.
 */
export class LiveMixCore {
  private readonly stems = new Map<string, StemReader>();
  private channels: LiveChannel[] = [];
  private readonly events: TransportEvent[] = [];
  private playing = false;
  /** Song position in frames (fractional while the rate is not 1). */
  private songPos = 0;
  private rate = 1;
  private readonly scratch = [new Float32Array(MAX_BLOCK + 2), new Float32Array(MAX_BLOCK + 2)];
  private readonly input = [new Float32Array(MAX_BLOCK), new Float32Array(MAX_BLOCK)];
  private readonly header: Float64Array;
  private readonly meters: Float32Array;
  private readonly positions: Float64Array;
  private readonly rates: Float64Array;
  private underruns = 0;
  private meterFill = 0;
  /** Bus gain stages with lanes, in GAIN_CHANNELS order (null: no lanes, the output stays 0). */
  private busCurves: Array<BusGainCurve | null> = GAIN_CHANNELS.map(() => null);
  private masterDelay = 0;

  constructor(
    readonly sampleRate: number,
    status: SharedArrayBuffer | ArrayBuffer,
  ) {
    const v = statusViews(status);
    this.header = v.header;
    this.meters = v.meters;
    this.positions = v.positions;
    this.rates = v.rates;
  }

  /** Applies one message from the page. */
  receive(msg: MixProcessorMessage): void {
    switch (msg.type) {
      case 'stem':
        this.setStemReader(msg.stemId, streamedStem(msg.buffer, msg.layout, msg.length));
        break;
      case 'drop-stem':
        this.stems.delete(msg.stemId);
        break;
      case 'channels':
        this.setChannels(msg.channels, msg.immediate);
        break;
      case 'start':
      case 'stop':
        this.schedule(msg.type === 'start' ? { kind: 'start', frame: msg.frame, songFrame: msg.songFrame, rate: msg.rate } : { kind: 'stop', frame: msg.frame });
        break;
      case 'rate':
        this.rate = msg.rate > 0 && Number.isFinite(msg.rate) ? msg.rate : 1;
        break;
      case 'buses':
        this.setBuses(msg.buses, msg.masterDelay);
        break;
    }
  }

  private setBuses(buses: BusAutomation, masterDelay: number): void {
    this.masterDelay = Number.isFinite(masterDelay) ? Math.max(0, masterDelay) : 0;
    this.busCurves = GAIN_CHANNELS.map((name, i) => {
      const spec = buses[name];
      if (!spec) return null;
      const curve = this.busCurves[i];
      if (curve) curve.set(spec);
      return curve ?? new BusGainCurve(spec, this.sampleRate);
    });
  }

  /** The bus gain control signals over frames [offset, offset + frames) (held while stopped). */
  private gains(outputs: Float32Array[][], offset: number, frames: number): void {
    const out = outputs[GAIN_OUTPUT];
    if (!out) return;
    const rate = this.playing ? this.rate : 0;
    for (let c = 0; c < GAIN_CHANNELS.length && c < out.length; c++) {
      const curve = this.busCurves[c];
      if (!curve) continue;
      // The master fader sits after the limiter's look-ahead: it hears song frames that much older.
      const at = GAIN_CHANNELS[c] === 'master' ? this.songPos - this.masterDelay : this.songPos;
      curve.fill(out[c], offset, at, frames, rate);
    }
  }

  /** A stem read from anything that can copy frames (tests, whole buffers). */
  setStemReader(stemId: string, reader: StemReader): void {
    this.stems.set(stemId, reader);
    // A strip made before its stem arrived was sized for stereo: it takes the stem's channels now,
    // so the page need not send the whole mix again for every stem that turns playable (48 stems
    // turning ready on a warm open were 48 posts of every channel).
    const channels = Math.min(2, reader.channels);
    for (const ch of this.channels) {
      if (ch.config.stemId === stemId && ch.dsp.channels !== channels) ch.dsp = this.newDsp(ch.config, channels, ch.automation);
    }
  }

  private newDsp(config: LiveChannelConfig, channels: number, automation: ChannelAutomation | null): ChannelDsp {
    const dsp = new ChannelDsp(this.sampleRate, MAX_BLOCK, channels);
    dsp.meterAutomated = true;
    dsp.configure(config.params, config, true);
    dsp.setAutomation(automation);
    return dsp;
  }

  private setChannels(configs: LiveChannelConfig[], immediate: boolean): void {
    const old = new Map(this.channels.map((c) => [c.config.id, c]));
    const next: LiveChannel[] = [];
    for (const config of configs.slice(0, MAX_LIVE_CHANNELS)) {
      const stemChannels = Math.min(2, this.stems.get(config.stemId)?.channels ?? 2);
      let ch = old.get(config.id);
      // Lanes travel only when they changed: undefined keeps the ones already here.
      const automation = config.automation !== undefined ? config.automation : (ch?.automation ?? null);
      if (!ch || ch.config.stemId !== config.stemId || ch.dsp.channels !== stemChannels) {
        ch = { config, dsp: this.newDsp(config, stemChannels, automation), automation };
      } else {
        ch.dsp.configure(config.params, config, immediate);
        if (automation !== ch.automation) ch.dsp.setAutomation(automation);
        ch.automation = automation;
      }
      ch.config = config;
      next.push(ch);
    }
    this.channels = next;
    this.meters.fill(0, next.length * METER_FIELDS);
  }

  private schedule(ev: TransportEvent): void {
    // A newer command for the same or an earlier frame supersedes what was queued after it.
    let i = this.events.length;
    while (i > 0 && this.events[i - 1].frame >= ev.frame) i--;
    this.events.length = i;
    this.events.push(ev);
  }

  /**
   * Renders `frames` (≤ 128) frames starting at context frame `contextFrame` into
   * outputs[0..2] (dry, reverb send, delay send; two channels each) and the bus gain controls
   * into outputs[3] (GAIN_CHANNELS). Returns true while playing.
   */
  process(outputs: Float32Array[][], contextFrame: number, frames: number): boolean {
    for (const out of outputs) for (const c of out) c.fill(0, 0, frames);
    let done = 0;
    while (done < frames) {
      const now = contextFrame + done;
      while (this.events.length > 0 && this.events[0].frame <= now) this.apply(this.events.shift()!, now);
      const next = this.events.length > 0 ? this.events[0].frame : Infinity;
      const n = Math.min(frames - done, Math.max(1, next - now));
      this.gains(outputs, done, n);
      this.mark(done, n);
      if (this.playing) this.mix(outputs, done, n);
      done += n;
    }
    this.publish(contextFrame + frames);
    return this.playing;
  }

  /** The song frame and rate of frames [offset, offset + frames) into the shared status (the master worklet reads them). */
  private mark(offset: number, frames: number): void {
    const rate = this.playing ? this.rate : 0;
    const end = Math.min(this.positions.length, offset + frames);
    for (let i = offset; i < end; i++) {
      this.positions[i] = this.songPos + (i - offset) * rate;
      this.rates[i] = rate;
    }
  }

  private apply(ev: TransportEvent, now: number): void {
    if (ev.kind === 'stop') {
      this.playing = false;
      return;
    }
    this.playing = true;
    this.rate = ev.rate > 0 && Number.isFinite(ev.rate) ? ev.rate : 1;
    // A start that reached the audio thread after its frame (a busy main thread) plays from where
    // the song is by now, so it stays in step with the clock it was scheduled on (the other
    // listener's, a capture's) instead of lagging by the delay.
    this.songPos = ev.songFrame + Math.max(0, now - ev.frame) * this.rate;
  }

  private mix(outputs: Float32Array[][], offset: number, frames: number): void {
    const buses: Buses = { dry: outputs[0] ?? [], reverb: outputs[1] ?? [], delay: outputs[2] ?? [] };
    const pos = this.songPos;
    const rate = this.rate;
    const whole = rate === 1 && Number.isInteger(pos);
    for (let k = 0; k < this.channels.length; k++) {
      const { config, dsp } = this.channels[k];
      const stem = this.stems.get(config.stemId);
      if (!stem || pos >= stem.length) continue;
      const input = dsp.channels === 1 ? this.mono(frames) : this.stereo(frames);
      const ok = whole ? stem.read(pos, frames, input) : this.readAtRate(stem, pos, rate, frames, input);
      if (!ok) {
        this.underruns++;
        this.meters[k * METER_FIELDS + METER_UNDERRUNS]++;
      }
      dsp.process(input, frames, buses, offset, pos);
      dsp.meter(frames);
    }
    this.songPos = pos + frames * rate;
  }

  private monoView: Float32Array[] = [];
  private stereoView: Float32Array[] = [];
  private viewFrames = -1;

  private views(frames: number): void {
    if (frames === this.viewFrames) return;
    // Only a block split by an event has another length; the views are made once per length.
    this.viewFrames = frames;
    this.monoView = [this.input[0].subarray(0, frames)];
    this.stereoView = [this.input[0].subarray(0, frames), this.input[1].subarray(0, frames)];
  }

  private mono(frames: number): Float32Array[] {
    this.views(frames);
    return this.monoView;
  }

  private stereo(frames: number): Float32Array[] {
    this.views(frames);
    return this.stereoView;
  }

  /** Linear interpolation for the small rate changes of drift correction (0.1 % for a few seconds). */
  private readAtRate(stem: StemReader, pos: number, rate: number, frames: number, out: Float32Array[]): boolean {
    const first = Math.floor(pos);
    const span = Math.min(MAX_BLOCK + 2, Math.ceil(pos + frames * rate) - first + 2);
    const raw = out.length === 1 ? [this.scratch[0]] : this.scratch;
    const ok = stem.read(first, span, raw);
    for (let c = 0; c < out.length; c++) {
      const src = raw[c];
      const dst = out[c];
      for (let i = 0; i < frames; i++) {
        const x = pos - first + i * rate;
        const j = Math.floor(x);
        const f = x - j;
        dst[i] = src[j] + (src[j + 1] - src[j]) * f;
      }
    }
    return ok;
  }

  private publish(contextFrame: number): void {
    const h = this.header;
    h[STATUS_SONG_FRAME] = this.songPos;
    h[STATUS_PLAYING] = this.playing ? 1 : 0;
    h[STATUS_CONTEXT_FRAME] = contextFrame;
    h[STATUS_UNDERRUNS] = this.underruns;
    h[STATUS_BUSY] = -1;
    this.meterFill += MAX_BLOCK;
    if (this.meterFill < METER_WINDOW) return;
    this.meterFill = 0;
    const m = this.meters;
    for (let k = 0; k < this.channels.length; k++) {
      const dsp = this.channels[k].dsp;
      const at = k * METER_FIELDS;
      m[at + METER_PEAK] = dsp.meterPeak;
      m[at + METER_RMS] = dsp.meterFrames > 0 ? Math.sqrt(dsp.meterSumSquares / dsp.meterFrames) : 0;
      m[at + METER_GR] = dsp.readGainReduction();
      dsp.meterPeak = 0;
      dsp.meterSumSquares = 0;
      dsp.meterFrames = 0;
    }
  }
}

function streamedStem(buffer: SharedArrayBuffer, layout: ChunkCacheLayout, length: number): StemReader {
  const reader = new ChunkCacheReader(buffer, layout);
  return {
    channels: layout.channels,
    length,
    read(start, frames, out) {
      // The last chunk ends with the stem; nothing past it is ever cached, and it is silence.
      const n = Math.max(0, Math.min(frames, length - start));
      const ok = n > 0 ? reader.read(start, n, out) : true;
      if (n < frames) for (const o of out) o.fill(0, n, frames);
      return ok;
    },
  };
}
