import { describe, expect, it } from 'vitest';
import { PaintRecorder, replayPaint, type Paint2D, type PaintGradient } from './paint';

/** A 2D context that writes down every call and property set, in order. */
function loggingContext() {
  const log: string[] = [];
  let gradientCount = 0;
  const gradient = (id: number) => ({
    id,
    addColorStop: (o: number, c: string) => log.push(`g${id}.stop ${o} ${c}`),
  });
  const target: Record<string, unknown> = {
    setTransform: (...a: number[]) => log.push(`setTransform ${a.join(' ')}`),
    clearRect: (...a: number[]) => log.push(`clearRect ${a.join(' ')}`),
    fillRect: (...a: number[]) => log.push(`fillRect ${a.join(' ')}`),
    save: () => log.push('save'),
    restore: () => log.push('restore'),
    beginPath: () => log.push('beginPath'),
    rect: (...a: number[]) => log.push(`rect ${a.join(' ')}`),
    clip: () => log.push('clip'),
    fillText: (t: string, x: number, y: number) => log.push(`fillText ${t} ${x} ${y}`),
    createLinearGradient: (...a: number[]) => {
      const g = gradient(++gradientCount);
      log.push(`gradient g${g.id} ${a.join(' ')}`);
      return g;
    },
  };
  const ctx = new Proxy(target, {
    set(t, key, value) {
      log.push(`${String(key)} = ${typeof value === 'object' ? `g${(value as { id: number }).id}` : value}`);
      t[key as string] = value;
      return true;
    },
  });
  const canvas = {
    _w: 0,
    _h: 0,
    get width() {
      return this._w;
    },
    set width(v: number) {
      log.push(`width = ${v}`);
      this._w = v;
    },
    get height() {
      return this._h;
    },
    set height(v: number) {
      log.push(`height = ${v}`);
      this._h = v;
    },
  };
  return { log, ctx, canvas };
}

/** The same drawing a meter board, playhead and clock make, on any Paint2D. */
function drawScene(ctx: Paint2D, size: (w: number, h: number) => void) {
  size(300, 120);
  ctx.setTransform(2, 0, 0, 2, 0, 0);
  ctx.clearRect(0, 0, 150, 60);
  const g: PaintGradient = ctx.createLinearGradient(0, 60, 0, 0);
  g.addColorStop(0, '#2fbf71');
  g.addColorStop(1, '#e5484d');
  ctx.fillStyle = g;
  ctx.globalAlpha = 0.35;
  ctx.fillRect(10, 20, 4, 40);
  ctx.globalAlpha = 1;
  ctx.save();
  ctx.clipRect(0, 0, 100, 50);
  ctx.font = '11px monospace';
  ctx.fillStyle = '#f57a3d';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.shadowColor = 'rgba(155, 233, 168, 0.35)';
  ctx.shadowBlur = 8;
  ctx.fillText('-3.5', 90, 30.5);
  ctx.restore();
}

describe('recorded canvas drawing (the paint worker)', () => {
  it('replays to exactly the calls the drawing makes on a canvas directly', () => {
    const direct = loggingContext();
    const directCtx = Object.assign(direct.ctx, {
      clipRect(x: number, y: number, w: number, h: number) {
        (direct.ctx as unknown as CanvasRenderingContext2D).beginPath();
        (direct.ctx as unknown as CanvasRenderingContext2D).rect(x, y, w, h);
        (direct.ctx as unknown as CanvasRenderingContext2D).clip();
      },
    }) as unknown as Paint2D;
    drawScene(directCtx, (w, h) => {
      direct.canvas.width = w;
      direct.canvas.height = h;
    });

    let recordedOnce = 0;
    const rec = new PaintRecorder(() => recordedOnce++);
    drawScene(rec, (w, h) => rec.size(w, h));
    const ops = rec.take();
    expect(recordedOnce).toBe(1);
    expect(rec.take()).toEqual([]);

    const replayed = loggingContext();
    const count = replayPaint({ canvas: replayed.canvas, ctx: replayed.ctx as unknown as CanvasRenderingContext2D, gradients: new Map() }, ops);
    expect(replayed.log).toEqual(direct.log.filter((l) => !l.startsWith('clipRect')));
    expect(count).toBe(20);
    expect(replayed.canvas.width).toBe(300);
  });

  it('survives structured cloning (it travels by postMessage) and refuses an unknown operation', () => {
    const rec = new PaintRecorder();
    drawScene(rec, (w, h) => rec.size(w, h));
    const ops = structuredClone(rec.take());
    const replayed = loggingContext();
    expect(() => replayPaint({ canvas: replayed.canvas, ctx: replayed.ctx as unknown as CanvasRenderingContext2D, gradients: new Map() }, ops)).not.toThrow();
    expect(() => replayPaint({ canvas: replayed.canvas, ctx: replayed.ctx as unknown as CanvasRenderingContext2D, gradients: new Map() }, [99])).toThrow(/unknown operation 99/);
  });

  it('a new size forgets the gradients made for the old one', () => {
    const rec = new PaintRecorder();
    const g = rec.createLinearGradient(0, 10, 0, 0);
    g.addColorStop(0, '#000');
    rec.size(10, 10);
    rec.fillStyle = g;
    rec.fillRect(0, 0, 1, 1);
    const replayed = loggingContext();
    replayPaint({ canvas: replayed.canvas, ctx: replayed.ctx as unknown as CanvasRenderingContext2D, gradients: new Map() }, rec.take());
    // The stale gradient is not used: the fill falls back to black rather than a gradient of another size.
    expect(replayed.log).toContain('fillStyle = #000');
  });
});
