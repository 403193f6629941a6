import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DELIVERY_TARGETS, MixModel, mixStateFromUpdate } from '@mixroom/engine';
import { driftChanges, driftMessage, mixSoundsDifferent, pickMasterVersion } from './master-drift';

const spotify = DELIVERY_TARGETS.find((t) => t.id === 'spotify')!;

describe('driftMessage: what a changed mix measures against the master’s target', () => {
  it('warns with the measured figure and how far over the target it is', () => {
    expect(driftMessage({ integrated: -13.2, truePeak: -1.4 }, spotify, null)).toEqual({
      off: true,
      text: "The mix changed after this master: it now measures −13.2 LUFS, 0.8 LU over Spotify's −14",
    });
    expect(driftMessage({ integrated: -15.3, truePeak: -3 }, spotify, 'v2, approved').text).toBe(
      "The mix changed after this master (v2, approved): it now measures −15.3 LUFS, 1.3 LU under Spotify's −14",
    );
  });

  it('says it is still on target within 0.5 LU, unless the true peak is over the ceiling', () => {
    expect(driftMessage({ integrated: -14.3, truePeak: -1.5 }, spotify, null)).toEqual({ off: false, text: "The mix changed after this master: it still measures −14.3 LUFS, on Spotify's −14" });
    const peaky = driftMessage({ integrated: -14, truePeak: -0.2 }, spotify, null);
    expect(peaky.off).toBe(true);
    expect(peaky.text).toContain('true peak −0.2 dBTP, over its −1 dBTP ceiling');
  });
});

describe('mixSoundsDifferent', () => {
  it('sees a fader move, not a rename, through a stored state', () => {
    const doc = new Y.Doc();
    const model = new MixModel(doc);
    model.addChannel({ id: 'a', name: 'Bass', stemId: 's1' });
    const stored = mixStateFromUpdate(Y.encodeStateAsUpdate(doc));
    model.renameChannel('a', 'Bass DI');
    expect(mixSoundsDifferent(stored, model.getState())).toBe(false);
    model.setChannelGain('a', 3);
    expect(mixSoundsDifferent(stored, model.getState())).toBe(true);
    model.setChannelGain('a', 0);
    model.setMasterParam('limiter.drive', 2);
    expect(mixSoundsDifferent(stored, model.getState())).toBe(true);
  });
});

describe('driftChanges: what is now different from the master', () => {
  it('names moves of the mix and master chain, leaves renames out and caps the list', () => {
    const doc = new Y.Doc();
    const model = new MixModel(doc);
    for (const [id, name] of [['a', 'Bass'], ['b', 'Keys'], ['c', 'Lead']]) model.addChannel({ id, name, stemId: `s-${id}` });
    const master = mixStateFromUpdate(Y.encodeStateAsUpdate(doc));
    model.renameChannel('a', 'Bass DI');
    expect(driftChanges(master, model.getState())).toEqual([]);
    model.setChannelGain('a', 1.5);
    model.setMute('c', true);
    const changes = driftChanges(master, model.getState());
    expect(changes).toContain('Bass DI +1.5 dB');
    expect(changes).toContain('Lead muted');
    model.setMasterGain(-1);
    expect(driftChanges(master, model.getState())).toContain('Master -1.0 dB');
    for (const id of ['a', 'b', 'c']) model.setPan(id, 0.5);
    const capped = driftChanges(master, model.getState(), 3);
    expect(capped).toHaveLength(4);
    expect(capped[3]).toMatch(/^and \d+ more$/);
  });
});

describe('pickMasterVersion', () => {
  const v = (number: number, integrated: number, status = 'pending', mixUrl: string | null = `/m/${number}`) => ({
    id: `v${number}`, number, status, createdAt: '2026-12-01T00:00:00Z', mixUrl, loudness: { integrated, truePeak: -1.2 },
  });
  it('takes the newest approved version, else the newest on target, and needs a stored mix', () => {
    expect(pickMasterVersion([v(1, -14, 'approved'), v(2, -14.1), v(3, -9)], spotify)?.number).toBe(1);
    expect(pickMasterVersion([v(1, -14), v(2, -14.1), v(3, -9)], spotify)?.number).toBe(2);
    expect(pickMasterVersion([v(1, -14, 'approved', null), v(2, -20)], spotify)).toBeNull();
  });
});
