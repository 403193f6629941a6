// The paint worker: draws the page's live canvases (meters, playhead, position) from recorded
// drawings (lib/paint.ts). Each canvas was handed over with transferControlToOffscreen, so what
// this worker draws reaches the screen without a frame of the page's main thread.
import { replayPaint, type ReplayTarget } from './paint';
import type { PaintReply, PaintRequest } from './paint-protocol';

const targets = new Map<number, ReplayTarget>();
let batches = 0;
let ops = 0;

const post = (msg: PaintReply) => (self as unknown as Worker).postMessage(msg);

self.onmessage = (e: MessageEvent<PaintRequest>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'attach': {
      const ctx = msg.canvas.getContext('2d');
      if (ctx) targets.set(msg.id, { canvas: msg.canvas, ctx, gradients: new Map() });
      else post({ type: 'error', message: `paint: canvas ${msg.id} has no 2D context` });
      break;
    }
    case 'paint':
      batches++;
      for (const [id, drawing] of msg.batches) {
        const t = targets.get(id);
        if (!t) continue;
        try {
          ops += replayPaint(t, drawing);
        } catch (err) {
          post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
        }
      }
      break;
    case 'detach':
      targets.delete(msg.id);
      break;
    case 'probe': {
      const t = targets.get(msg.id);
      let rgba: number[] | null = null;
      if (t && msg.x >= 0 && msg.y >= 0 && msg.x < t.canvas.width && msg.y < t.canvas.height) rgba = Array.from(t.ctx.getImageData(msg.x, msg.y, 1, 1).data);
      post({ type: 'probe', requestId: msg.requestId, rgba, batches, ops, canvases: targets.size });
      break;
    }
  }
};
