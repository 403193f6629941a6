/**
 * The shared transport of "Listen together": one state for everyone in the session, changed
 * only by commands the server orders. Positions are anchored to SERVER time so that every
 * browser, whatever its latency, can compute the same song position for the same instant.
 */
export interface SharedTransportState {
  /** Increases by one with every applied command; lets clients drop stale or duplicate ones. */
  seq: number;
  playing: boolean;
  /** Song position (s) at `anchorServerMs`. */
  position: number;
  /** Server time (ms) at which the song is at `position`; playback starts here for `play`. */
  anchorServerMs: number;
  loop: { enabled: boolean; start: number; end: number };
  /** Who issued the last command, for "Ana started playback at 1:32". */
  lastAction: { kind: TransportCommand['kind']; by: string; position: number } | null;
}

export type TransportCommand =
  | { kind: 'play'; position?: number }
  | { kind: 'pause' }
  | { kind: 'stop' }
  | { kind: 'seek'; position: number }
  | { kind: 'loop'; enabled: boolean; start?: number; end?: number };

export const INITIAL_SHARED_TRANSPORT: SharedTransportState = {
  seq: 0,
  playing: false,
  position: 0,
  anchorServerMs: 0,
  loop: { enabled: false, start: 0, end: 0 },
  lastAction: null,
};

/** Where the song is at a server instant. Wraps inside the loop, stops at the end. */
export function positionAt(state: SharedTransportState, serverMs: number, songDuration: number): number {
  if (!state.playing) return state.position;
  const raw = state.position + Math.max(0, serverMs - state.anchorServerMs) / 1000;
  const { loop } = state;
  if (loop.enabled && loop.end > loop.start && state.position < loop.end && raw >= loop.end) {
    return loop.start + ((raw - loop.start) % (loop.end - loop.start));
  }
  return Math.min(raw, songDuration);
}

export class TransportCommandError extends Error {}

/**
 * Applies one command at server time `nowMs`. Starts are scheduled `leadMs` in the future
 * so every client has time to hear about it and start on the same sample. Throws
 * TransportCommandError for commands that make no sense (position outside the song).
 */
export function applyTransportCommand(
  state: SharedTransportState,
  command: TransportCommand,
  ctx: { nowMs: number; leadMs: number; songDuration: number; by: string },
): SharedTransportState {
  const here = positionAt(state, ctx.nowMs, ctx.songDuration);
  const checkPosition = (p: number) => {
    if (!Number.isFinite(p) || p < 0 || p > ctx.songDuration) {
      throw new TransportCommandError(`position ${p} is outside the song (0–${ctx.songDuration.toFixed(2)} s)`);
    }
    return p;
  };
  const next = (patch: Partial<SharedTransportState>, position: number): SharedTransportState => ({
    ...state,
    ...patch,
    seq: state.seq + 1,
    lastAction: { kind: command.kind, by: ctx.by, position },
  });
  switch (command.kind) {
    case 'play': {
      let from = command.position === undefined ? here : checkPosition(command.position);
      if (from >= ctx.songDuration) from = 0;
      return next({ playing: true, position: from, anchorServerMs: ctx.nowMs + ctx.leadMs }, from);
    }
    case 'pause':
      return next({ playing: false, position: here, anchorServerMs: ctx.nowMs }, here);
    case 'stop':
      return next({ playing: false, position: 0, anchorServerMs: ctx.nowMs }, 0);
    case 'seek': {
      const to = checkPosition(command.position);
      return state.playing
        ? next({ position: to, anchorServerMs: ctx.nowMs + ctx.leadMs }, to)
        : next({ position: to, anchorServerMs: ctx.nowMs }, to);
    }
    case 'loop': {
      const start = checkPosition(command.start ?? state.loop.start);
      const end = checkPosition(command.end ?? (state.loop.end > 0 ? state.loop.end : ctx.songDuration));
      if (command.enabled && end - start < 0.05) throw new TransportCommandError('loop must be at least 50 ms long');
      // Re-anchor so that the running position is unchanged by the loop switch.
      return next({ loop: { enabled: command.enabled, start, end }, position: here, anchorServerMs: ctx.nowMs }, here);
    }
  }
}
