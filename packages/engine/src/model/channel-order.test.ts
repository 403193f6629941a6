import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isPositionKey, keyBetween, orderChannels, spreadKeys } from './channel-order';
import { MixModel, initializeMix, type ChannelInfo } from './mix-model';

const byName = (a: ChannelInfo, b: ChannelInfo) => a.name.localeCompare(b.name, undefined, { numeric: true });
const shown = (m: MixModel) => orderChannels(m.listChannels(), byName).map((c) => c.name);
const ids = (m: MixModel) => orderChannels(m.listChannels(), byName).map((c) => c.id);

/** Two replicas that exchange nothing until sync() — edits in between are concurrent. */
function offlinePair(n: number) {
  const a = new Y.Doc();
  const b = new Y.Doc();
  initializeMix(
    a,
    Array.from({ length: n }, (_, i) => ({ id: `c${(i * 7) % n}`, name: `Track ${i + 1}`, stemId: `s${i}` })),
  );
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  const sync = () => {
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  };
  return { ma: new MixModel(a), mb: new MixModel(b), sync };
}

const move = (m: MixModel, name: string, to: number) => {
  const ch = m.listChannels().find((c) => c.name === name)!;
  expect(m.moveChannel(ch.id, ids(m), to)).toBe(true);
};

describe('fractional position keys', () => {
  it('always finds a key between two different keys, and stays short', () => {
    let lo: string | null = null;
    let hi: string | null = null;
    const keys: string[] = [];
    // 200 insertions alternately at both ends of a shrinking gap.
    for (let i = 0; i < 200; i++) {
      const k = keyBetween(lo, hi);
      expect(isPositionKey(k)).toBe(true);
      if (lo !== null) expect(k > lo).toBe(true);
      if (hi !== null) expect(k < hi).toBe(true);
      keys.push(k);
      if (i % 2 === 0) lo = k;
      else hi = k;
    }
    expect(Math.max(...keys.map((k) => k.length))).toBeLessThan(64);
    expect(() => keyBetween('V', 'V')).toThrow();
  });

  it('spreads n keys in order without trailing zeros', () => {
    for (const n of [1, 2, 30, 48, 61, 62, 500]) {
      const keys = spreadKeys(n);
      expect(keys.every(isPositionKey)).toBe(true);
      expect([...keys].sort()).toEqual(keys);
      expect(new Set(keys).size).toBe(n);
    }
  });
});

describe('MixModel.moveChannel / setChannelColor', () => {
  it('keeps the default (name) order until someone moves a channel, then shows the move everywhere', () => {
    const { ma, mb, sync } = offlinePair(5);
    expect(shown(ma)).toEqual(['Track 1', 'Track 2', 'Track 3', 'Track 4', 'Track 5']);
    move(ma, 'Track 5', 0);
    expect(shown(ma)).toEqual(['Track 5', 'Track 1', 'Track 2', 'Track 3', 'Track 4']);
    sync();
    expect(shown(mb)).toEqual(shown(ma));
    // A second move writes one key only.
    const before = ma.listChannels().map((c) => [c.id, c.position]);
    move(mb, 'Track 2', 4);
    const changed = mb.listChannels().filter((c) => before.find(([id]) => id === c.id)![1] !== c.position);
    expect(changed.map((c) => c.name)).toEqual(['Track 2']);
    expect(shown(mb)).toEqual(['Track 5', 'Track 1', 'Track 3', 'Track 4', 'Track 2']);
  });

  it('concurrent first moves by two replicas converge to one order of all channels', () => {
    const { ma, mb, sync } = offlinePair(6);
    move(ma, 'Track 6', 0);
    move(mb, 'Track 1', 5);
    sync();
    expect(shown(ma)).toEqual(shown(mb));
    expect([...shown(ma)].sort()).toEqual(['Track 1', 'Track 2', 'Track 3', 'Track 4', 'Track 5', 'Track 6']);
  });

  it('concurrent moves of different channels into the same gap converge and both land in it', () => {
    const { ma, mb, sync } = offlinePair(6);
    move(ma, 'Track 1', 0); // writes every key once
    sync();
    move(ma, 'Track 5', 2); // between Track 2 and Track 3
    move(mb, 'Track 6', 2); // the same gap, at the same time
    sync();
    expect(shown(ma)).toEqual(shown(mb));
    const order = shown(ma);
    expect(order.slice(0, 2)).toEqual(['Track 1', 'Track 2']);
    expect(order.slice(2, 4).sort()).toEqual(['Track 5', 'Track 6']);
    expect(order.slice(4)).toEqual(['Track 3', 'Track 4']);
  });

  it('concurrent moves of the same channel converge on one of them', () => {
    const { ma, mb, sync } = offlinePair(4);
    move(ma, 'Track 1', 0);
    sync();
    move(ma, 'Track 2', 3);
    move(mb, 'Track 2', 0);
    sync();
    expect(shown(ma)).toEqual(shown(mb));
    expect([['Track 2', 'Track 1', 'Track 3', 'Track 4'], ['Track 1', 'Track 3', 'Track 4', 'Track 2']]).toContainEqual(shown(ma));
  });

  it('puts channels added after a move at the end in name order; ignores garbage keys and colours', () => {
    const { ma } = offlinePair(3);
    move(ma, 'Track 3', 0);
    ma.addChannel({ id: 'z', name: 'Track 0', stemId: 'sz' });
    expect(shown(ma)).toEqual(['Track 3', 'Track 1', 'Track 2', 'Track 0']);
    ma.doc.getMap('channelPositions').set('z', 42);
    ma.doc.getMap('channelColors').set('z', 'javascript:alert(1)');
    const z = ma.listChannels().find((c) => c.id === 'z')!;
    expect([z.position, z.color]).toEqual([null, null]);
    expect(ma.moveChannel('nope', ids(ma), 0)).toBe(false);
  });

  it('colours a channel for everyone, refuses unknown colours, and resets to the default', () => {
    const { ma, mb, sync } = offlinePair(2);
    const id = ma.listChannels()[0].id;
    expect(ma.setChannelColor(id, 'teal')).toBe(true);
    expect(ma.setChannelColor(id, '#ff0000')).toBe(false);
    sync();
    expect(mb.getState().channels.find((c) => c.id === id)!.color).toBe('teal');
    let structure = false;
    mb.onChange((c) => (structure ||= c.structure));
    ma.setChannelColor(id, null);
    sync();
    expect(structure).toBe(true);
    expect(mb.getState().channels.find((c) => c.id === id)!.color).toBeNull();
  });
});
