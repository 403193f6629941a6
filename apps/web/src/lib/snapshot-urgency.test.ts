import { describe, expect, it } from 'vitest';
import type { RuntimeSnapshot } from './session-runtime';
import { isUrgentChange } from './snapshot-urgency';

const base = (): RuntimeSnapshot => ({
  mix: { channels: [] } as unknown as RuntimeSnapshot['mix'],
  stems: [],
  synced: false,
  connected: false,
  audioReady: false,
  transportState: 'stopped',
  loop: false,
  duration: 60,
  syncError: null,
  recalled: null,
  health: { stalled: [], startedWithout: [], streamBytes: 0, cacheFull: null },
});

describe('isUrgentChange', () => {
  it('shows moves, the transport, a recalled mix and refusals at once', () => {
    const shown = { ...base(), synced: true };
    expect(isUrgentChange(shown, { ...shown, mix: { ...shown.mix } })).toBe(true);
    expect(isUrgentChange(shown, { ...shown, transportState: 'started' })).toBe(true);
    expect(isUrgentChange(shown, { ...shown, loop: true })).toBe(true);
    expect(isUrgentChange(shown, { ...shown, recalled: { label: 'v2', state: shown.mix } })).toBe(true);
    expect(isUrgentChange(shown, { ...shown, syncError: 'the session is gone' })).toBe(true);
    expect(isUrgentChange(shown, { ...shown, duration: 240 })).toBe(true);
  });

  it('lets the mix as it first arrives from the server wait for slices of the main thread: it is the console appearing', () => {
    const shown = base();
    expect(isUrgentChange(shown, { ...shown, mix: { ...shown.mix } })).toBe(false);
    expect(isUrgentChange(shown, { ...shown, synced: true, mix: { ...shown.mix } })).toBe(false);
    // A refusal still shows at once before the first sync.
    expect(isUrgentChange(shown, { ...shown, syncError: 'no access' })).toBe(true);
  });

  it('lets progress, health and readiness wait for a slice of the main thread', () => {
    const shown = base();
    expect(isUrgentChange(shown, { ...shown, stems: [] })).toBe(false);
    expect(isUrgentChange(shown, { ...shown, synced: true, connected: true, audioReady: true })).toBe(false);
    expect(isUrgentChange(shown, { ...shown, health: { ...shown.health } })).toBe(false);
  });
});
