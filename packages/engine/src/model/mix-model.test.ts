import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CHANNEL_PARAMS, GAIN_FLOOR_DB } from './params';
import { MixModel, initializeMix } from './mix-model';
import { WriterRegisterMap } from './writer-register-map';

function connectedPair() {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'peer' && Y.applyUpdate(b, u, 'peer'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'peer' && Y.applyUpdate(a, u, 'peer'));
  return { a, b };
}

const CHANNELS = [
  { id: 'c1', name: 'Drums', stemId: 's1' },
  { id: 'c2', name: 'Bass', stemId: 's2' },
  { id: 'c3', name: 'Lead', stemId: 's3' },
];

describe('MixModel', () => {
  it('starts every channel at its defaults', () => {
    const doc = new Y.Doc();
    initializeMix(doc, CHANNELS);
    const state = new MixModel(doc).getState();
    expect(state.channels.map((c) => c.name)).toEqual(['Drums', 'Bass', 'Lead']);
    for (const c of state.channels) {
      expect(c.gain).toBe(CHANNEL_PARAMS.gain.defaultValue);
      expect(c.pan).toBe(0);
      expect(c.mute).toBe(false);
      expect(c.audible).toBe(true);
    }
  });

  it('a fader move on one replica shows up on the other', () => {
    const { a, b } = connectedPair();
    initializeMix(a, CHANNELS);
    const ma = new MixModel(a);
    const mb = new MixModel(b);
    const seen: string[] = [];
    mb.onChange((ch) => seen.push(...ch.params));
    expect(ma.setChannelGain('c2', -4.5)).toBe(true);
    expect(ma.setPan('c2', -0.4)).toBe(true);
    expect(mb.getChannelParam('c2', 'gain')).toBe(-4.5);
    expect(mb.getChannelParam('c2', 'pan')).toBeCloseTo(-0.4);
    expect(seen).toContain('ch:c2/gain');
  });

  it('concurrent writes converge to the same value on every replica', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    initializeMix(a, CHANNELS);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const ma = new MixModel(a);
    const mb = new MixModel(b);
    ma.setChannelGain('c1', -3);
    mb.setChannelGain('c1', -9);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    expect(ma.getChannelParam('c1', 'gain')).toBe(mb.getChannelParam('c1', 'gain'));
    // A later write after seeing the other wins everywhere.
    ma.setChannelGain('c1', -1);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(mb.getChannelParam('c1', 'gain')).toBe(-1);
  });

  it('solo-in-place silences the others; mute wins over solo', () => {
    const doc = new Y.Doc();
    initializeMix(doc, CHANNELS);
    const m = new MixModel(doc);
    m.setSolo('c1', true);
    let s = m.getState();
    expect(s.anySolo).toBe(true);
    expect(s.channels.map((c) => c.audible)).toEqual([true, false, false]);
    m.setSolo('c3', true);
    m.setMute('c3', true);
    s = m.getState();
    expect(s.channels.map((c) => c.audible)).toEqual([true, false, false]);
    m.clearSolo();
    s = m.getState();
    expect(s.anySolo).toBe(false);
    expect(s.channels.map((c) => c.audible)).toEqual([true, true, false]);
  });

  it('rejects unknown channels, unknown params and garbage values without writing', () => {
    const doc = new Y.Doc();
    initializeMix(doc, CHANNELS);
    const m = new MixModel(doc);
    const before = Y.encodeStateAsUpdate(doc).length;
    expect(m.setChannelGain('nope', -3)).toBe(false);
    expect(m.setParam({ kind: 'channel', channelId: 'c1' }, 'warp', 1)).toBe(false);
    expect(m.setChannelParam('c1', 'gain', 'loud')).toBe(false);
    expect(m.setChannelParam('c1', 'gain', NaN)).toBe(false);
    expect(Y.encodeStateAsUpdate(doc).length).toBe(before);
    expect(m.setChannelGain('c1', 1e9)).toBe(true);
    expect(m.getChannelParam('c1', 'gain')).toBe(12);
  });

  it('sanitizes garbage that a misbehaving client wrote straight into the document', () => {
    const doc = new Y.Doc();
    initializeMix(doc, CHANNELS);
    const m = new MixModel(doc);
    const writer = new Y.Array<unknown>();
    doc.getMap('params').set('666', writer as never);
    writer.push([{ k: 'ch:c1/gain', v: 'NaN', t: 1e6 }, { k: 'ch:c2/gain', v: -500, t: 1e6 }, 42, null]);
    doc.getMap('params').set('667', 'not an array' as never);
    const s = m.getState();
    expect(s.channels[0].gain).toBe(0);
    expect(s.channels[1].gain).toBe(GAIN_FLOOR_DB);
  });

  it('stays small: many moves by interleaving writers leave few bytes', () => {
    const docs = [0, 1, 2, 3].map(() => new Y.Doc());
    initializeMix(docs[0], CHANNELS);
    docs.forEach((d, i) => {
      if (i > 0) Y.applyUpdate(d, Y.encodeStateAsUpdate(docs[0]));
      d.on('update', (u: Uint8Array, origin: unknown) => {
        if (origin === 'peer') return;
        docs.forEach((o) => o !== d && Y.applyUpdate(o, u, 'peer'));
      });
    });
    const models = docs.map((d) => new MixModel(d));
    for (let i = 0; i < 4000; i++) {
      const ch = CHANNELS[(i * 7) % 3].id;
      const value = -20 + (i % 200) / 10;
      models[i % 4].setChannelGain(ch, value);
    }
    const size = Y.encodeStateAsUpdate(docs[0]).length;
    expect(size).toBeLessThan(2000);
    // Every replica agrees on the final state.
    const final = JSON.stringify(models[0].getState());
    for (const m of models) expect(JSON.stringify(m.getState())).toBe(final);
  });

  it('the delivery target is shared: replicas converge, unknown ids are rejected', () => {
    const { a, b } = connectedPair();
    initializeMix(a, CHANNELS);
    const ma = new MixModel(a);
    const mb = new MixModel(b);
    expect(ma.getDeliveryTarget()).toBe('spotify');
    expect(mb.getState().deliveryTarget).toBe('spotify');
    let settingsChanges = 0;
    mb.onChange((ch) => {
      if (ch.settings) settingsChanges++;
    });
    expect(ma.setDeliveryTarget('ebu-r128')).toBe(true);
    expect(mb.getDeliveryTarget()).toBe('ebu-r128');
    expect(mb.getState().deliveryTarget).toBe('ebu-r128');
    expect(settingsChanges).toBe(1);

    // Unknown ids (and 'custom', which has no fixed figures) change nothing.
    expect(mb.setDeliveryTarget('napster')).toBe(false);
    expect(mb.setDeliveryTarget('custom')).toBe(false);
    expect(ma.getDeliveryTarget()).toBe('ebu-r128');

    // Concurrent choices on disconnected replicas converge to one of them.
    const c = new Y.Doc();
    const d = new Y.Doc();
    const mc = new MixModel(c);
    const md = new MixModel(d);
    mc.setDeliveryTarget('tidal');
    md.setDeliveryTarget('youtube');
    Y.applyUpdate(d, Y.encodeStateAsUpdate(c));
    Y.applyUpdate(c, Y.encodeStateAsUpdate(d));
    expect(mc.getDeliveryTarget()).toBe(md.getDeliveryTarget());
    expect(['tidal', 'youtube']).toContain(mc.getDeliveryTarget());

    // Garbage written straight into the document by a rogue client reads as the default.
    d.getMap('settings').set('deliveryTarget', 42);
    expect(md.getDeliveryTarget()).toBe('spotify');
  });
});

describe('MixModel channel structure', () => {
  it('adds, re-points and removes channels, and peers see it', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.on('update', (u: Uint8Array) => Y.applyUpdate(b, u));
    const ma = new MixModel(a);
    const mb = new MixModel(b);
    initializeMix(a, [{ id: 'c1', name: 'Kick', stemId: 's1' }]);
    expect(ma.addChannel({ id: 'c2', name: 'Bass DI', stemId: 's2' })).toBe(true);
    expect(ma.addChannel({ id: 'c2', name: 'again', stemId: 's3' })).toBe(false);
    expect(mb.listChannels().map((c) => [c.id, c.name, c.stemId, c.order])).toEqual([['c1', 'Kick', 's1', 0], ['c2', 'Bass DI', 's2', 1]]);
    ma.setChannelGain('c2', -6);
    expect(ma.setChannelStem('c2', 's2b')).toBe(true);
    expect(mb.channelOfStem('s2b')?.id).toBe('c2');
    expect(mb.getChannelParam('c2', 'gain')).toBe(-6);
    expect(ma.removeChannel('c1')).toBe(true);
    expect(ma.removeChannel('c1')).toBe(false);
    expect(mb.listChannels().map((c) => c.id)).toEqual(['c2']);
  });
});

describe('MixModel: the full channel strip, FX returns and master', () => {
  it('typed setters store sanitized values that every replica reads', () => {
    const doc = new Y.Doc();
    initializeMix(doc, [{ id: 'v', name: 'Vox', stemId: 's' }]);
    const m = new MixModel(doc);
    expect(m.setChannelParam('v', 'eq2.gain', 30)).toBe(true);
    expect(m.setChannelParam('v', 'comp.ratio', 'x')).toBe(false);
    expect(m.setFxParam('reverb', 'reverb.decay', 3)).toBe(true);
    expect(m.setFxParam('delay', 'delay.sync', 7.2)).toBe(true);
    expect(m.setMasterParam('limiter.ceiling', -0.3)).toBe(true);
    expect(m.setParam({ kind: 'fx', bus: 'chorus' as never }, 'return.gain', 0)).toBe(false);
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    const s = new MixModel(other).getState();
    expect(s.channels[0].params['eq2.gain']).toBe(18);
    expect(s.channels[0].params['comp.ratio']).toBe(4);
    expect(s.fx.reverb.params['reverb.decay']).toBe(3);
    expect(s.fx.delay.params['delay.sync']).toBe(7);
    expect(s.master.params['limiter.ceiling']).toBe(-0.3);
  });

  it('FX returns are solo-safe: a solo never silences them, only their own mute does', () => {
    const doc = new Y.Doc();
    initializeMix(doc, [{ id: 'a', name: 'A', stemId: 's' }, { id: 'b', name: 'B', stemId: 't' }]);
    const m = new MixModel(doc);
    m.setSolo('a', true);
    expect(m.getState().fx.reverb.audible).toBe(true);
    m.setFxParam('delay', 'return.mute', true);
    expect(m.getState().fx.delay.audible).toBe(false);
    expect(m.getState().channels.map((c) => c.audible)).toEqual([true, false]);
  });

  it('garbage written straight into the document reads as defaults', () => {
    const doc = new Y.Doc();
    initializeMix(doc, [{ id: 'a', name: 'A', stemId: 's' }]);
    const m = new MixModel(doc);
    const regs = new WriterRegisterMap(doc, 'params');
    regs.set('ch:a/hpf.freq', 'loud');
    regs.set('fx:reverb/reverb.size', NaN);
    expect(m.getState().channels[0].params['hpf.freq']).toBe(80);
    expect(m.getState().fx.reverb.params['reverb.size']).toBe(60);
  });
});
