// The page side of the ducker: it installs the worklet on the monitor path once the audio is up and
// keeps the audio thread told — the unmuted voices on its sidechain, the force flag (talking
// oneself, a voice note), the depth (remembered). The envelope and detection are the engine's
// SidechainDucker, tested in packages/engine (talk-dsp.test.ts) on recorded speech.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DUCKER_PROCESSOR_NAME } from '@mixroom/engine';
import { MusicDucker, type DuckerHost } from './ducking';

class FakeNode {
  connections = new Set<unknown>();
  connect(to: unknown) {
    this.connections.add(to);
    return to;
  }
  disconnect() {
    this.connections.clear();
  }
}

const posted: unknown[] = [];
class FakeWorkletNode extends FakeNode {
  static made: Array<{ name: string; options: unknown }> = [];
  port = { postMessage: (m: unknown) => posted.push(m), onmessage: null as ((e: { data: unknown }) => void) | null };
  constructor(_ctx: unknown, name: string, options: unknown) {
    super();
    FakeWorkletNode.made.push({ name, options });
  }
}

function fakeHost() {
  const inserted: FakeNode[] = [];
  const sources = new Map<unknown, FakeNode>();
  const ctx = {
    audioWorklet: { addModule: vi.fn(async () => {}) },
    createGain: () => new FakeNode(),
    createMediaStreamSource: (stream: unknown) => {
      const n = new FakeNode();
      sources.set(stream, n);
      return n;
    },
  };
  const host = { ctx: ctx as unknown as AudioContext, insert: (n: AudioNode) => inserted.push(n as unknown as FakeNode) } satisfies DuckerHost;
  return { host, inserted, sources };
}
const stream = () => ({ getAudioTracks: () => [{}] }) as unknown as MediaStream;
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('MusicDucker (page side)', () => {
  beforeEach(() => {
    posted.length = 0;
    FakeWorkletNode.made = [];
    vi.stubGlobal('AudioWorkletNode', FakeWorkletNode);
    const store = new Map<string, string>();
    vi.stubGlobal('localStorage', { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => store.set(k, v) });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('waits for the audio, then puts the worklet on the monitor path and feeds it the unmuted voices and the force flag', async () => {
    const { host, inserted, sources } = fakeHost();
    let audio: DuckerHost | null = null;
    let voices: Array<{ peerId: string; stream: MediaStream }> = [];
    let force = false;
    const d = new MusicDucker(() => audio, { voices: () => voices, force: () => force });
    d.sync();
    expect(inserted).toEqual([]);
    audio = host;
    d.sync();
    await flush();
    expect(FakeWorkletNode.made).toEqual([{ name: DUCKER_PROCESSOR_NAME, options: expect.objectContaining({ numberOfInputs: 2, processorOptions: { depthDb: -12 } }) }]);
    expect(inserted).toHaveLength(1);

    const ana = stream();
    voices = [{ peerId: 'ana', stream: ana }];
    d.sync();
    expect(sources.get(ana)!.connections.size).toBe(1);
    // Muted (the talk client no longer lists her): off the sidechain.
    voices = [];
    d.sync();
    expect(sources.get(ana)!.connections.size).toBe(0);

    force = true;
    d.sync();
    d.sync();
    force = false;
    d.sync();
    expect(posted).toEqual([{ type: 'force', on: true }, { type: 'force', on: false }]);
  });

  it('sends a new depth to the audio thread and remembers it for the next page', async () => {
    const { host } = fakeHost();
    const d = new MusicDucker(() => host, { voices: () => [], force: () => false });
    d.sync();
    await flush();
    d.setDepth(-6);
    expect(posted).toEqual([{ type: 'depth', depthDb: -6 }]);
    expect(d.getSnapshot().depthDb).toBe(-6);
    const again = new MusicDucker(() => host, { voices: () => [], force: () => false });
    expect(again.getSnapshot().depthDb).toBe(-6);
  });

  it('shows the gain the audio thread reports', async () => {
    const { host, inserted } = fakeHost();
    const d = new MusicDucker(() => host, { voices: () => [], force: () => false });
    d.sync();
    await flush();
    (inserted[0] as unknown as FakeWorkletNode).port.onmessage!({ data: { type: 'gain', gainDb: -11.996, voice: true, at: 1 } });
    expect(d.getSnapshot().gainDb).toBe(-12);
  });
});
