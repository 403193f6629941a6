import type { PaintOps } from './paint';

export const PAINT_WORKER_URL = '/worklets/paint-worker.js';

export type PaintRequest =
  | { type: 'attach'; id: number; canvas: OffscreenCanvas }
  | { type: 'paint'; batches: Array<[number, PaintOps]> }
  | { type: 'detach'; id: number }
  /** Reads one device pixel of a canvas, with the worker's counts (tests and tools). */
  | { type: 'probe'; requestId: number; id: number; x: number; y: number };

export type PaintReply =
  | { type: 'probe'; requestId: number; rgba: number[] | null; batches: number; ops: number; canvases: number }
  | { type: 'error'; message: string };
