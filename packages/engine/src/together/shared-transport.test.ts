import { describe, expect, it } from 'vitest';
import { INITIAL_SHARED_TRANSPORT, TransportCommandError, applyTransportCommand, positionAt } from './shared-transport';

const ctx = (nowMs: number) => ({ nowMs, leadMs: 250, songDuration: 60, by: 'Ana' });

describe('shared transport', () => {
  it('play starts in the future, at the same song position for every observer', () => {
    const s = applyTransportCommand(INITIAL_SHARED_TRANSPORT, { kind: 'play', position: 10 }, ctx(1000));
    expect(s.playing).toBe(true);
    expect(s.anchorServerMs).toBe(1250);
    expect(positionAt(s, 1100, 60)).toBe(10); // not started yet
    expect(positionAt(s, 3250, 60)).toBeCloseTo(12);
    expect(s.lastAction).toEqual({ kind: 'play', by: 'Ana', position: 10 });
    expect(s.seq).toBe(1);
  });

  it('pause keeps the position reached; seek while playing re-anchors', () => {
    let s = applyTransportCommand(INITIAL_SHARED_TRANSPORT, { kind: 'play', position: 0 }, ctx(0));
    s = applyTransportCommand(s, { kind: 'pause' }, ctx(2250));
    expect(s.position).toBeCloseTo(2);
    expect(positionAt(s, 99999, 60)).toBeCloseTo(2);
    s = applyTransportCommand(s, { kind: 'play' }, ctx(5000));
    s = applyTransportCommand(s, { kind: 'seek', position: 30 }, ctx(6000));
    expect(positionAt(s, 7250, 60)).toBeCloseTo(31);
  });

  it('loops wrap and the end of the song stops the clock', () => {
    let s = applyTransportCommand(INITIAL_SHARED_TRANSPORT, { kind: 'loop', enabled: true, start: 4, end: 8 }, ctx(0));
    s = applyTransportCommand(s, { kind: 'play', position: 4 }, ctx(0));
    expect(positionAt(s, 250 + 5000, 60)).toBeCloseTo(5); // 4 + 5 s wraps to 5
    s = applyTransportCommand(s, { kind: 'loop', enabled: false }, ctx(0));
    s = applyTransportCommand(s, { kind: 'play', position: 59 }, ctx(0));
    expect(positionAt(s, 10_000, 60)).toBe(60);
  });

  it('rejects positions outside the song', () => {
    expect(() => applyTransportCommand(INITIAL_SHARED_TRANSPORT, { kind: 'seek', position: 61 }, ctx(0))).toThrow(TransportCommandError);
    expect(() => applyTransportCommand(INITIAL_SHARED_TRANSPORT, { kind: 'seek', position: -1 }, ctx(0))).toThrow(TransportCommandError);
    expect(() => applyTransportCommand(INITIAL_SHARED_TRANSPORT, { kind: 'play', position: NaN }, ctx(0))).toThrow(TransportCommandError);
    expect(() => applyTransportCommand(INITIAL_SHARED_TRANSPORT, { kind: 'loop', enabled: true, start: 5, end: 5 }, ctx(0))).toThrow(TransportCommandError);
  });
});
