import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { diffMixStates, mixStateFromUpdate } from './diff';
import { initializeMix, MixModel } from './mix-model';

function mix() {
  const doc = new Y.Doc();
  initializeMix(doc, [
    { id: 'bass', name: 'Bass', stemId: 's1' },
    { id: 'keys', name: 'Keys', stemId: 's2' },
    { id: 'lead', name: 'Lead', stemId: 's3' },
  ]);
  return new MixModel(doc);
}

describe('diffMixStates', () => {
  it('reads like the console: dB deltas, pan positions, mutes, master, renames', () => {
    const m = mix();
    m.setChannelGain('bass', -6);
    m.setPan('keys', -0.2);
    const before = m.getState();
    m.setChannelGain('bass', -4.5);
    m.setPan('keys', 0);
    m.setMute('lead', true);
    m.setMasterGain(-1);
    m.renameChannel('keys', 'Piano');
    expect(diffMixStates(before, m.getState())).toEqual([
      'Bass +1.5 dB',
      'Keys renamed to Piano',
      'Piano pan L20 → C',
      'Lead muted',
      'Master -1.0 dB',
    ]);
  });

  it('says nothing for identical or inaudibly different mixes, and handles -inf and solo', () => {
    const m = mix();
    const a = m.getState();
    expect(diffMixStates(a, m.getState())).toEqual([]);
    m.setChannelGain('bass', 0.01);
    expect(diffMixStates(a, m.getState())).toEqual([]);
    m.setChannelGain('lead', -Infinity);
    m.setSolo('keys', true);
    expect(diffMixStates(a, m.getState())).toEqual(['Keys soloed', 'Lead 0.0 dB → -∞ dB']);
    expect(diffMixStates(m.getState(), a)).toEqual(['Keys unsoloed', 'Lead -∞ dB → 0.0 dB']);
  });

  it('lists added and removed channels and the delivery target', () => {
    const m = mix();
    const a = m.getState();
    const b = { ...a, channels: [...a.channels.slice(1), { ...a.channels[0], id: 'vox', name: 'Vocal' }], deliveryTarget: 'apple-music' as never };
    expect(diffMixStates(a, b)).toEqual(['Vocal added', 'Bass removed', 'Delivery target spotify → apple-music']);
  });

  it('rebuilds a stored state from its encoded Yjs update', () => {
    const m = mix();
    m.setChannelGain('keys', -3);
    const stored = Y.encodeStateAsUpdate(m.doc);
    m.setChannelGain('keys', 0);
    expect(mixStateFromUpdate(stored).channels.find((c) => c.id === 'keys')?.gain).toBe(-3);
  });
});
