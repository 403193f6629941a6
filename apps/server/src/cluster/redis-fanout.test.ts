import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { FanoutPeer } from '../sync/fanout.js';
import type { RedisBus } from './redis-bus.js';
import { RedisFanout } from './redis-fanout.js';

type Handler = (message: Buffer) => void;

/**
 * Redis pub/sub as each server process sees it: one channel space, and per process a connection
 * that can be down (messages published to it meanwhile are lost, as pub/sub keeps nothing) and
 * comes back on its own schedule, then calls its catch-up listeners.
 */
class PubSub {
  readonly channels = new Map<string, Set<{ handler: Handler; view: ProcessView }>>();
  deliver(name: string, message: Buffer): void {
    for (const { handler, view } of this.channels.get(name) ?? []) if (view.listening) handler(message);
  }
}

class ProcessView {
  listening = true;
  readonly catchUps = new Set<() => void>();
  constructor(private readonly hub: PubSub) {}
  async subscribe(name: string, handler: Handler): Promise<() => void> {
    let set = this.hub.channels.get(name);
    if (!set) this.hub.channels.set(name, (set = new Set()));
    const entry = { handler, view: this };
    set.add(entry);
    return () => set.delete(entry);
  }
  publish(name: string, message: Buffer | string): void {
    // The publishing connection is down too while this process is away: the message is lost.
    if (this.listening) this.hub.deliver(name, Buffer.from(message));
  }
  onCatchUp(listener: () => void): () => void {
    this.catchUps.add(listener);
    return () => this.catchUps.delete(listener);
  }
  comeBack(): void {
    this.listening = true;
    for (const l of this.catchUps) l();
  }
}

function docPeer(doc: Y.Doc): FanoutPeer {
  return {
    applyRemote: (u) => Y.applyUpdate(doc, u, 'remote'),
    applyRemoteAwareness: () => {},
    localAwareness: () => null,
    stateVector: () => Y.encodeStateVector(doc),
    updateSince: (sv) => Y.encodeStateAsUpdate(doc, sv),
  };
}

async function process(hub: PubSub, name: string) {
  const view = new ProcessView(hub);
  const fanout = new RedisFanout(view as unknown as RedisBus, { info() {}, warn() {}, error() {}, debug() {} } as never);
  const doc = new Y.Doc();
  await fanout.subscribe('s1', name, docPeer(doc));
  // What the room does with a local edit: publish it to the other processes.
  doc.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && fanout.publish('s1', u, name));
  return { view, doc };
}

describe('Yjs fan-out between server processes over Redis pub/sub', () => {
  it('after an outage both sides converge, also when one process asked to catch up before the other was listening again', async () => {
    const hub = new PubSub();
    const one = await process(hub, 'one');
    const two = await process(hub, 'two');
    one.doc.getMap('mix').set('before', 1);
    expect(two.doc.getMap('mix').get('before')).toBe(1);

    one.view.listening = false;
    two.view.listening = false;
    one.doc.getMap('mix').set('Drums.gain', -4);
    two.doc.getMap('mix').set('Bass.gain', -2);
    // One is back first: its request to catch up goes out while two is still away, and is lost.
    one.view.comeBack();
    expect(two.doc.getMap('mix').get('Drums.gain')).toBeUndefined();
    // Two comes back and asks: one answers with what two lacks and with its own state vector,
    // which two answers with what one lacks.
    two.view.comeBack();
    expect(two.doc.getMap('mix').get('Drums.gain')).toBe(-4);
    expect(one.doc.getMap('mix').get('Bass.gain')).toBe(-2);

    one.doc.getMap('mix').set('after', 2);
    expect(two.doc.getMap('mix').get('after')).toBe(2);
  });

  it('a reply to a catch-up is answered with data only: no endless requests', async () => {
    const hub = new PubSub();
    const one = await process(hub, 'one');
    await process(hub, 'two');
    let frames = 0;
    const spy = await new ProcessView(hub).subscribe('doc:s1', () => frames++);
    one.view.comeBack();
    // CATCH_UP, AWARENESS_QUERY, then two's SYNC_BACK: nothing to send back (both are equal).
    expect(frames).toBe(3);
    spy();
  });

  it('a process that loads a session from the database gets what another published before it subscribed and has not persisted yet', async () => {
    const hub = new PubSub();
    const one = await process(hub, 'one');
    // Two does not hold the session yet: one's edit reaches nobody, and sits in one's write batch.
    one.doc.getMap('mix').set('Drums.gain', -4);
    const view = new ProcessView(hub);
    const fanout = new RedisFanout(view as unknown as RedisBus, { info() {}, warn() {}, error() {}, debug() {} } as never);
    const loaded = new Y.Doc(); // what two read from the database: without the edit
    await fanout.subscribe('s1', 'two', docPeer(loaded));
    expect(loaded.getMap('mix').get('Drums.gain')).toBeUndefined();
    fanout.catchUp('s1', 'two');
    expect(loaded.getMap('mix').get('Drums.gain')).toBe(-4);
  });
});
