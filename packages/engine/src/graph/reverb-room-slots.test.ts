import { beforeAll, describe, expect, it } from 'vitest';
import { installWebAudioGlobals } from '../node/audio-context';
import { SR, db, mixOf, rms } from './test-support';
import { REVERB_SEND_SPREAD } from '../dsp/reverb-ir';
import { OfflineReverb } from '../offline/returns';
import { REVERB_ROOM_SLOTS, ReverbRoomSchedule, reverbRoomAutomation } from '../offline/reverb-room';
import { STATUS_SONG_FRAME, statusBytes, statusViews } from '../live/mix-protocol';
import { StereoMatrix } from './nodes';
import { ReverbRoomSlots } from './reverb-room-slots';

const p = (t: number, v: number, shape: 'linear' | 'exp' | 'hold' = 'linear') => ({ t, v, shape });

/**
 * The page's side of live room lanes, offline: the slots fed `send` (through the reverb's spread)
 * and driven by the gate signal the worklet would put out, played from a buffer.
 */
function liveSlots(gates: Float32Array<ArrayBuffer>[], send: Float32Array<ArrayBuffer>[], frames: number, status: SharedArrayBuffer) {
  const ctx = new OfflineAudioContext(2, frames, SR);
  const source = (channels: Float32Array<ArrayBuffer>[]) => {
    const buffer = new AudioBuffer({ length: frames, numberOfChannels: channels.length, sampleRate: SR });
    channels.forEach((c, ch) => buffer.copyToChannel(c, ch));
    const node = ctx.createBufferSource();
    node.buffer = buffer;
    return node;
  };
  const gateSource = source(gates);
  const sendSource = source(send);
  const slots = new ReverbRoomSlots(ctx, status, { poll: false, gates: gateSource });
  const spread = new StereoMatrix(ctx, REVERB_SEND_SPREAD);
  sendSource.connect(spread.input);
  spread.output.connect(slots.input);
  slots.output.connect(ctx.destination);
  const render = async () => {
    // node-web-audio-api registers a suspend asynchronously: one asked for right before rendering starts can be refused.
    await new Promise((resolve) => setTimeout(resolve, 200));
    gateSource.start(0);
    sendSource.start(0);
    return ctx.startRendering();
  };
  return { ctx, slots, render };
}

/**
 * Live reverb room lanes without a browser: the page's slots (native pre-delays and convolvers put
 * in place by tick() every 40 ms of song time, as the page polls) driven by the gate signal the
 * worklet computes (ReverbRoomSchedule.fillGates, played from a buffer), against the render's
 * OfflineReverb on the same send.
 */
describe('live reverb room slots', () => {
  beforeAll(() => installWebAudioGlobals());

  // The page's timer every 40 ms; and a page held up for half a second between its ticks (a busy laptop).
  it.each([0.04, 0.52])("play decay, size and pre-delay lanes as the render does (null), each instance's convolver put in place once, in time (ticks every %s s)", async (tickSeconds) => {
    const seconds = 3;
    const frames = SR * seconds;
    const state = mixOf(['vox'], (m) => {
      m.automation.setPoints('fx:reverb/reverb.decay', [p(0, 0.4, 'hold'), p(0.6, 0.5), p(1.6, 2.2, 'exp'), p(2.2, 0.8, 'hold')]);
      m.automation.setPoints('fx:reverb/reverb.predelay', [p(0, 10, 'hold'), p(1.0, 60, 'hold'), p(2.0, 0, 'hold')]);
      m.automation.setPoints('fx:reverb/reverb.size', [p(0, 20), p(2.5, 90)]);
    });
    const lanes = reverbRoomAutomation(state.automation)!;
    const fx = state.fx.reverb;
    // The send: noise bursts, some across step boundaries.
    let seed = 7;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    const send = [new Float32Array(frames), new Float32Array(frames)];
    for (const [from, to] of [[0.05, 0.3], [0.55, 0.62], [0.9, 1.35], [1.7, 1.72], [1.98, 2.4]]) {
      for (let i = Math.round(from * SR); i < Math.round(to * SR); i++) {
        send[0][i] = 0.3 * rand();
        send[1][i] = 0.3 * rand();
      }
    }

    // The render's reverb, in 1 s segments (instances cross segment boundaries too).
    const segment = SR;
    const reverb = new OfflineReverb(fx, SR, segment, OfflineAudioContext, null, null, lanes);
    const rendered = [new Float32Array(frames), new Float32Array(frames)];
    for (let at = 0; at < frames; at += segment) {
      const part = send.map((c) => c.slice(at, at + segment));
      await reverb.addSegment(part, segment, at);
      const into = [new Float32Array(segment), new Float32Array(segment)];
      reverb.takeInto(into, segment, at);
      into.forEach((c, ch) => rendered[ch].set(c, at));
    }

    // Live: the gate signal the worklet puts out, the slots the page fills.
    const schedule = new ReverbRoomSchedule(fx.params, lanes, SR);
    const gates = Array.from({ length: 2 * REVERB_ROOM_SLOTS }, () => new Float32Array(frames));
    schedule.fillGates(gates, 0, 0, frames);
    const { ctx, slots, render } = liveSlots(gates, send, frames, new SharedArrayBuffer(statusBytes()));
    slots.set(fx.params, lanes);
    const tickFrames = Math.round((tickSeconds * SR) / 128) * 128;
    let installs = 0;
    const install = (slots as unknown as { install: (s: unknown, i: number) => void }).install.bind(slots);
    (slots as unknown as { install: (s: unknown, i: number) => void }).install = (s, i) => {
      installs++;
      install(s, i);
    };
    for (let f = tickFrames; f < frames; f += tickFrames) {
      void ctx.suspend(f / SR).then(() => {
        // MixGraph re-applies on every state change: the same lanes in a new record, another fader moved.
        if (f === Math.round(0.8 / tickSeconds) * tickFrames) slots.set({ ...fx.params, 'return.gain': -3 }, { ...lanes });
        slots.tick(f);
        return ctx.resume();
      });
    }
    const out = await render();
    const live = [out.getChannelData(0), out.getChannelData(1)];
    const residual = (c: number) => {
      const d = new Float32Array(frames);
      for (let i = 0; i < frames; i++) d[i] = live[c][i] - rendered[c][i];
      return db(rms(d)) - db(rms(rendered[c]));
    };
    console.log(`live reverb room slots vs render, ticks every ${tickSeconds} s: ${schedule.instanceCount} instances, ${installs} installs; difference ${residual(0).toFixed(1)} / ${residual(1).toFixed(1)} dB below the return`);
    expect(schedule.instanceCount).toBeGreaterThan(8);
    // Each instance put in its slot once, in time (the first three when the lanes arrived), none again on a re-apply.
    expect(installs + REVERB_ROOM_SLOTS).toBe(schedule.instanceCount);
    expect(rms(rendered[0])).toBeGreaterThan(0.01);
    expect(residual(0)).toBeLessThan(-100);
    expect(residual(1)).toBeLessThan(-100);
  });

  it('a replay from the top after the song moved on plays fresh rooms, as the render from the top does (cued when scheduled, kept until it sounds)', async () => {
    const state = mixOf(['vox'], (m) => {
      m.automation.setPoints('fx:reverb/reverb.decay', [p(0, 0.5, 'hold'), p(0.3, 2, 'hold')]);
      m.automation.setPoints('fx:reverb/reverb.predelay', [p(0.2, 0), p(0.7, 80)]);
    });
    const lanes = reverbRoomAutomation(state.automation)!;
    const fx = state.fx.reverb;
    const schedule = new ReverbRoomSchedule(fx.params, lanes, SR);
    // A steady tone into the send: the first pass ends with other rooms than the top's, ringing.
    const q = 128;
    const first = Math.round(2.2 * SR);
    const gap = Math.round((0.5 * SR) / q) * q;
    const second = Math.round(1.2 * SR);
    const start = first + gap;
    const frames = start + second;
    const tone = (n: number) => 0.2 * Math.sin((2 * Math.PI * 997 * n) / SR);
    const send = [new Float32Array(frames), new Float32Array(frames)];
    const songFrameAt = (f: number) => (f < first ? f : f < start ? first : f - start);
    for (let f = 0; f < frames; f++) {
      if (f >= first && f < start) continue;
      send[0][f] = send[1][f] = tone(songFrameAt(f));
    }

    const reverb = new OfflineReverb(fx, SR, second, OfflineAudioContext, null, null, lanes);
    await reverb.addSegment([send[0].slice(start), send[1].slice(start)], second, 0);
    const rendered = [new Float32Array(second), new Float32Array(second)];
    reverb.takeInto(rendered, second, 0);

    // The gates the worklet puts out: the first pass, held where it stopped, the replay from the top.
    const gates = Array.from({ length: 2 * REVERB_ROOM_SLOTS }, () => new Float32Array(frames));
    schedule.fillGates(gates, 0, 0, first);
    schedule.fillGates(gates, first, first, gap, 0);
    schedule.fillGates(gates, start, 0, second);
    const status = new SharedArrayBuffer(statusBytes());
    const { ctx, slots, render } = liveSlots(gates, send, frames, status);
    slots.set(fx.params, lanes);
    // The page's timer every 40 ms reads the status the mix worklet writes (the song frame it played);
    // the replay is cued 0.3 s before it sounds, as a shared play or a capture schedules it.
    const tickFrames = Math.round((0.04 * SR) / q) * q;
    const cueAt = start - Math.round((0.3 * SR) / q) * q;
    const { header } = statusViews(status);
    for (let f = tickFrames; f < frames; f += tickFrames) {
      void ctx.suspend(f / SR).then(() => {
        header[STATUS_SONG_FRAME] = songFrameAt(f);
        if (f >= cueAt && f - tickFrames < cueAt) slots.cue(0, start / SR);
        slots.poll();
        return ctx.resume();
      });
    }
    const out = await render();
    const residual = (c: number) => {
      const live = out.getChannelData(c).subarray(start);
      const d = new Float32Array(second);
      for (let i = 0; i < second; i++) d[i] = live[i] - rendered[c][i];
      return db(rms(d)) - db(rms(rendered[c]));
    };
    console.log(`reverb room replayed from the top after 2.2 s: ${schedule.instanceCount} instances; difference ${residual(0).toFixed(1)} / ${residual(1).toFixed(1)} dB below the return`);
    expect(schedule.instanceCount).toBeGreaterThan(3);
    expect(rms(rendered[0])).toBeGreaterThan(0.01);
    expect(residual(0)).toBeLessThan(-100);
    expect(residual(1)).toBeLessThan(-100);
  });
});
