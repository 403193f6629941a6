import { afterEach, describe, expect, it, vi } from 'vitest';
import { audioOutputWarmed, resetAudioWarmupForTests, warmAudioOutput } from './audio-warmup';

afterEach(() => {
  resetAudioWarmupForTests();
  vi.useRealTimers();
});

describe('warmAudioOutput', () => {
  it('lists the media devices once, however often it is asked', async () => {
    const enumerateDevices = vi.fn(async () => [] as MediaDeviceInfo[]);
    await Promise.all([warmAudioOutput({ enumerateDevices }), warmAudioOutput({ enumerateDevices }), audioOutputWarmed(1000, { enumerateDevices })]);
    expect(enumerateDevices).toHaveBeenCalledTimes(1);
  });

  it('resolves when the list fails or there are no media devices at all', async () => {
    await expect(warmAudioOutput({ enumerateDevices: () => Promise.reject(new DOMException('no', 'NotAllowedError')) })).resolves.toBeUndefined();
    resetAudioWarmupForTests();
    await expect(warmAudioOutput(undefined)).resolves.toBeUndefined();
  });

  it('does not hold the session up longer than its limit when the list never comes', async () => {
    vi.useFakeTimers();
    let settled = false;
    const waiting = audioOutputWarmed(800, { enumerateDevices: () => new Promise<MediaDeviceInfo[]>(() => {}) }).then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(799);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(settled).toBe(true);
  });
});
