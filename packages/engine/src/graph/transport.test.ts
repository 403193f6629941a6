import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadTone } from '../node/tone';
import { MixModel, initializeMix } from '../model/mix-model';
import { MixGraph, type ToneLib } from './mix-graph';
import { pauseCancellingLater, startNowInsteadOf } from './transport';
import { SR, renderWithTone } from './test-support';

let Tone: ToneLib;

beforeAll(async () => {
  Tone = await loadTone();
});

/** A stem whose every sample is its own song position in seconds, plus 1: the output tells where each stem reads. */
function positionStem(seconds: number): AudioBuffer {
  const b = new AudioBuffer({ length: Math.round(seconds * SR), numberOfChannels: 1, sampleRate: SR });
  const d = b.getChannelData(0);
  for (let i = 0; i < d.length; i++) d[i] = 1 + i / SR;
  return b;
}

/** Renders `seconds` of a one-stem graph while `drive` moves the transport; returns channel 0. */
async function renderDriven(
  seconds: number,
  drive: (transport: Transport, graph: MixGraph) => void,
  { loaded = true } = {},
): Promise<Float32Array> {
  const out = await renderWithTone(Tone, Math.round(seconds * SR), () => {
    const doc = new Y.Doc();
    initializeMix(doc, [{ id: 'a', name: 'A', stemId: 'sa' }]);
    const graph = new MixGraph(Tone, undefined, { meters: false });
    if (loaded) graph.setStemBuffer('sa', positionStem(2));
    graph.apply(new MixModel(doc).getState(), { immediate: true });
    drive(Tone.getTransport(), graph);
    return graph;
  });
  // Undo the centre pan's −3 dB so the output reads as 1 + position.
  return out.getChannelData(0).map((v) => v * Math.SQRT2);
}

const at = (data: Float32Array, t: number) => data[Math.round(t * SR)];

type Transport = ReturnType<ToneLib['getTransport']>;

/** Playing from context time 0.1 at song position 0, then a jump to `to` scheduled for 0.5 (a stop and a start on the same instant, as Listen together schedules one). */
function playThenJumpAt05(transport: Transport, to: number): void {
  transport.start(0.1, 0);
  transport.stop(0.5);
  transport.start(0.5, to);
}

describe('stems follow the transport', () => {
  // Tone 15.5's clock computes the first tick after a start in floating point and, for about
  // one start time in twelve, lands a hair before the start and skips tick 0: a player started
  // by an event at tick 0 then stays silent for the whole playback.
  it('every play from the top is heard from its first moment, whatever the context time', async () => {
    const starts = Array.from({ length: 80 }, (_, i) => 0.05 + i * 0.1237);
    const out = await renderDriven(10.1, (transport) => {
      for (const t of starts) {
        transport.start(t, 0);
        transport.stop(t + 0.1);
      }
    });
    const silent = starts.filter((t) => Math.abs(at(out, t + 0.05) - 1.05) > 2e-3);
    expect(silent, `starts that did not play from the top: ${silent.map((t) => t.toFixed(4)).join(', ')}`).toEqual([]);
  });

  it('pause and resume, a seek while playing, a loop jump and stop keep the stems on the transport position', async () => {
    const out = await renderDriven(2.2, (transport) => {
      transport.start(0.1, 0.5);
      transport.pause(0.4); // at song position 0.8
      transport.start(0.6); // resumes at 0.8
      // At song position 1.0 (context 0.8): back to 0.2; from 0.3 on, loop 0–0.5.
      transport.scheduleOnce(() => {
        transport.seconds = 0.2;
      }, 1.0);
      transport.scheduleOnce(() => {
        transport.setLoopPoints(0, 0.5);
        transport.loop = true;
      }, 0.3);
      transport.stop(2.0);
    });
    const readsAt = (t: number) => at(out, t) - 1;
    expect(at(out, 0.05)).toBeCloseTo(0, 6);
    expect(readsAt(0.2)).toBeCloseTo(0.6, 3);
    expect(at(out, 0.5)).toBeCloseTo(0, 6); // paused
    expect(readsAt(0.7)).toBeCloseTo(0.9, 3);
    // A seek lands on a transport tick after the render quantum that asked for it: within 10 ms.
    const seekLag = 0.3 - readsAt(0.9);
    expect(seekLag).toBeGreaterThanOrEqual(0);
    expect(seekLag).toBeLessThan(0.01);
    expect(readsAt(1.2)).toBeCloseTo(0.1 - seekLag, 2); // looped at 0.5 (on a tick: within 2.6 ms)
    expect(readsAt(1.65)).toBeCloseTo(0.05 - seekLag, 2); // and again
    expect(at(out, 2.1)).toBeCloseTo(0, 6); // stopped
  });

  // Listen together schedules its starts a moment ahead (a shared play, a realignment): a pause
  // that came before such a start was due left it in place, and playback went on under PAUSED.
  it('a pause before a start that is still to come cancels it (Tone\'s own pause does not)', async () => {
    // Playing from 0.1; a realignment scheduled for 0.5 (a stop and a start on the same instant);
    // the pause comes first, at 0.3 (song position 0.2).
    const schedule = (transport: Transport) => playThenJumpAt05(transport, 0.4);
    const plain = await renderDriven(1.0, (transport) => {
      schedule(transport);
      transport.pause(0.3);
    });
    expect(at(plain, 0.4)).toBeCloseTo(0, 6);
    expect(at(plain, 0.8) - 1).toBeCloseTo(0.7, 3); // the later start played on
    let heldAt = -1;
    const out = await renderDriven(1.0, (transport) => {
      schedule(transport);
      pauseCancellingLater(transport, 0.3, 0.2);
      heldAt = transport.getSecondsAtTime(0.9);
    });
    expect(at(out, 0.2) - 1).toBeCloseTo(0.1, 3); // played until the pause
    for (const t of [0.35, 0.5, 0.6, 0.8, 0.95]) expect(at(out, t), `at ${t} s`).toBeCloseTo(0, 6);
    expect(heldAt).toBeCloseTo(0.2, 3); // paused on the position asked for
  });

  // Stepping out of Listen together a moment after the group's jump (its start still to come),
  // then seeking alone: the group's start fired after the seek and played the song from 0:00.
  it('a start still to come taken now instead: a seek after it holds (Tone left the start in place, and it played from 0:00)', async () => {
    // Playing from 0.1; the group jumps to 1.0, scheduled for 0.5; stepping out at 0.3; a seek to 1.5 at 0.35.
    const schedule = (transport: Transport) => playThenJumpAt05(transport, 1.0);
    // At context time 0.35: an event on the transport's own time, song position 0.25 (0.85 once taken now).
    const seekAt = (transport: Transport, songPosition: number) =>
      transport.scheduleOnce(() => {
        transport.seconds = 1.5;
      }, songPosition);
    const plain = await renderDriven(1.0, (transport) => {
      schedule(transport);
      seekAt(transport, 0.25);
    });
    expect(at(plain, 0.8) - 1).toBeCloseTo(0.3, 2); // the group's start, from 0:00
    let nowAt = -1;
    const out = await renderDriven(1.0, (transport) => {
      schedule(transport);
      startNowInsteadOf(transport, 0.3, 0.5, 1.0);
      nowAt = transport.getSecondsAtTime(0.3);
      seekAt(transport, 0.85);
    });
    expect(nowAt).toBeCloseTo(0.8, 3); // where the group's start would have the song at 0.3
    expect(at(out, 0.32) - 1).toBeCloseTo(0.82, 2);
    // The seek lands on a tick after the quantum that asked for it (within 10 ms) and holds.
    expect(at(out, 0.8) - 1).toBeGreaterThan(1.9);
    expect(at(out, 0.8) - 1).toBeLessThan(1.96);
  });

  it('a stem that finishes loading while the transport runs joins at the current position', async () => {
    const out = await renderDriven(
      1,
      (transport, graph) => {
        transport.start(0.1, 0);
        transport.scheduleOnce(() => graph.setStemBuffer('sa', positionStem(2)), 0.3);
      },
      { loaded: false },
    );
    expect(at(out, 0.2)).toBeCloseTo(0, 6);
    expect(at(out, 0.6) - 1).toBeCloseTo(0.5, 2);
  });
});
