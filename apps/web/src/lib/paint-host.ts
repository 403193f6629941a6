import { DirectSurface, PaintRecorder, type PaintOps, type PaintSurface } from './paint';
import { PAINT_WORKER_URL, type PaintReply, type PaintRequest } from './paint-protocol';

export interface PaintProbe {
  /** The canvas's device pixel at (x, y) as [r, g, b, a]; null outside it. */
  rgba: number[] | null;
  /** Drawings the worker has replayed so far (batches) and their operations. */
  batches: number;
  ops: number;
  canvases: number;
}

declare global {
  interface Window {
    /** Test and tool hook: what the paint worker has drawn (see paint-host.ts). */
    __mixroomPaint?: { probe(canvas: HTMLCanvasElement, x: number, y: number): Promise<PaintProbe | null>; mode: 'worker' | 'page' };
  }
}

class WorkerSurface implements PaintSurface {
  readonly offscreen = true;
  readonly ctx: PaintRecorder;
  width = 0;
  height = 0;
  constructor(
    readonly id: number,
    private readonly host: PaintWorkerHost,
  ) {
    this.ctx = new PaintRecorder(() => host.schedule(this));
  }
  setSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.ctx.size(width, height);
  }
  dispose(): void {
    this.host.release(this);
  }
}

/**
 * The page's side of the paint worker: hands canvases over and sends what was drawn on them in
 * one message per task (everything a frame loop tick draws travels together).
 */
class PaintWorkerHost {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly dirty = new Set<WorkerSurface>();
  private scheduled = false;
  private nextProbe = 1;
  private readonly probes = new Map<number, (reply: PaintProbe) => void>();

  constructor() {
    this.worker = new Worker(PAINT_WORKER_URL);
    this.worker.onmessage = (e: MessageEvent<PaintReply>) => {
      const msg = e.data;
      if (msg.type === 'error') console.warn(msg.message);
      else if (msg.type === 'probe') {
        this.probes.get(msg.requestId)?.({ rgba: msg.rgba, batches: msg.batches, ops: msg.ops, canvases: msg.canvases });
        this.probes.delete(msg.requestId);
      }
    };
    this.worker.onerror = (e) => console.warn('paint worker:', e.message);
  }

  private post(msg: PaintRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  attach(canvas: HTMLCanvasElement): WorkerSurface {
    const offscreen = canvas.transferControlToOffscreen();
    const surface = new WorkerSurface(this.nextId++, this);
    this.post({ type: 'attach', id: surface.id, canvas: offscreen }, [offscreen]);
    return surface;
  }

  schedule(surface: WorkerSurface): void {
    this.dirty.add(surface);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    const batches: Array<[number, PaintOps]> = [];
    for (const s of this.dirty) {
      const ops = s.ctx.take();
      if (ops.length) batches.push([s.id, ops]);
    }
    this.dirty.clear();
    if (batches.length) this.post({ type: 'paint', batches });
  }

  release(surface: WorkerSurface): void {
    this.flush();
    this.post({ type: 'detach', id: surface.id });
  }

  probe(surface: WorkerSurface, x: number, y: number): Promise<PaintProbe> {
    this.flush();
    const requestId = this.nextProbe++;
    return new Promise((resolve) => {
      this.probes.set(requestId, resolve);
      this.post({ type: 'probe', requestId, id: surface.id, x, y });
    });
  }
}

let host: PaintWorkerHost | null = null;
const surfaces = new WeakMap<HTMLCanvasElement, PaintSurface>();

/** Whether live canvases are drawn by the worker ('worker') or by the page ('page'). */
export function paintMode(): 'worker' | 'page' {
  if (typeof window === 'undefined') return 'page';
  let forced: string | null = null;
  try {
    // For comparisons (bench:session --paint page) and as a way out should a browser misdraw.
    forced = window.localStorage.getItem('mixroom.paint');
  } catch {
    // Storage can be refused (private modes); the default stands.
  }
  if (forced === 'page') return 'page';
  const can = typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined' && typeof HTMLCanvasElement.prototype.transferControlToOffscreen === 'function';
  return can ? 'worker' : 'page';
}

/**
 * The surface to draw a live canvas on: handed to the paint worker where the browser can, else
 * the canvas itself. A canvas keeps its surface across remounts of its component (a canvas can
 * be handed over only once); it is let go once the canvas has left the page.
 */
export function paintSurface(canvas: HTMLCanvasElement): PaintSurface {
  let s = surfaces.get(canvas);
  if (s) return s;
  if (paintMode() === 'worker') {
    host ??= new PaintWorkerHost();
    s = host.attach(canvas);
    const h = host;
    window.__mixroomPaint ??= {
      mode: 'worker',
      probe: (c, x, y) => {
        const found = surfaces.get(c);
        return found instanceof WorkerSurface ? h.probe(found, x, y) : Promise.resolve(null);
      },
    };
  } else {
    s = new DirectSurface(canvas);
    window.__mixroomPaint ??= { mode: 'page', probe: () => Promise.resolve(null) };
  }
  surfaces.set(canvas, s);
  return s;
}

/** Called when the component drawing on `canvas` unmounts: its surface goes once the canvas has left the page. */
export function releasePaintSurface(canvas: HTMLCanvasElement): void {
  setTimeout(() => {
    if (canvas.isConnected) return;
    surfaces.get(canvas)?.dispose();
    surfaces.delete(canvas);
  }, 0);
}
