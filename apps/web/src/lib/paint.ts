// Canvases drawn from a worker. While the mix plays, the meters, the playhead and the position
// figure change 30 times a second; drawn by the page, each change is a main-thread frame (an
// animation frame, a lifecycle update and a commit of the whole console), a third of the main
// thread with 48 strips. A canvas handed to a worker (transferControlToOffscreen) is committed by
// that worker straight to the compositor: the page only records what to draw, and no frame of
// its own is needed. Where a canvas cannot be handed over, the same drawing runs on it directly.

/** The part of CanvasRenderingContext2D the page's live canvases use. */
export interface Paint2D {
  fillStyle: string | PaintGradient;
  globalAlpha: number;
  font: string;
  textAlign: CanvasTextAlign;
  textBaseline: CanvasTextBaseline;
  shadowColor: string;
  shadowBlur: number;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  save(): void;
  restore(): void;
  /** Clips what follows (until restore) to a rectangle: beginPath + rect + clip. */
  clipRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  createLinearGradient(x0: number, y0: number, x1: number, y1: number): PaintGradient;
}

export interface PaintGradient {
  addColorStop(offset: number, colour: string): void;
}

/** A canvas the page draws on: directly, or through the paint worker. */
export interface PaintSurface {
  readonly ctx: Paint2D;
  /** The bitmap's size in device pixels (clears it, as setting a canvas's width does). */
  setSize(width: number, height: number): void;
  readonly width: number;
  readonly height: number;
  /** True when a worker draws it (the page cannot read its pixels). */
  readonly offscreen: boolean;
  dispose(): void;
}

// Opcodes of a recorded drawing: [op, ...args] flattened into one array.
export const OP = {
  size: 1,
  fillStyle: 2,
  fillGradient: 3,
  globalAlpha: 4,
  font: 5,
  textAlign: 6,
  textBaseline: 7,
  shadowColor: 8,
  shadowBlur: 9,
  setTransform: 10,
  clearRect: 11,
  fillRect: 12,
  save: 13,
  restore: 14,
  clipRect: 15,
  fillText: 16,
  gradient: 17,
  colorStop: 18,
} as const;

export type PaintOps = Array<number | string>;

/** Records drawing calls as opcodes for replayPaint (in the worker). */
export class PaintRecorder implements Paint2D {
  ops: PaintOps = [];
  private state = { fillStyle: '#000' as string | PaintGradient, globalAlpha: 1, font: '10px sans-serif', textAlign: 'start' as CanvasTextAlign, textBaseline: 'alphabetic' as CanvasTextBaseline, shadowColor: 'rgba(0, 0, 0, 0)', shadowBlur: 0 };
  private nextGradient = 1;

  constructor(private readonly onRecord: () => void = () => {}) {}

  private push(...args: PaintOps): void {
    if (this.ops.length === 0) this.onRecord();
    this.ops.push(...args);
  }

  /** The recorded drawing since the last take, and a fresh start. */
  take(): PaintOps {
    const ops = this.ops;
    this.ops = [];
    return ops;
  }

  size(width: number, height: number): void {
    this.push(OP.size, width, height);
    this.state = { ...this.state, fillStyle: '#000', globalAlpha: 1, font: '10px sans-serif', textAlign: 'start', textBaseline: 'alphabetic', shadowColor: 'rgba(0, 0, 0, 0)', shadowBlur: 0 };
  }

  get fillStyle(): string | PaintGradient {
    return this.state.fillStyle;
  }
  set fillStyle(v: string | PaintGradient) {
    this.state.fillStyle = v;
    if (typeof v === 'string') this.push(OP.fillStyle, v);
    else if (v instanceof RecordedGradient) this.push(OP.fillGradient, v.id);
  }
  get globalAlpha(): number {
    return this.state.globalAlpha;
  }
  set globalAlpha(v: number) {
    this.state.globalAlpha = v;
    this.push(OP.globalAlpha, v);
  }
  get font(): string {
    return this.state.font;
  }
  set font(v: string) {
    this.state.font = v;
    this.push(OP.font, v);
  }
  get textAlign(): CanvasTextAlign {
    return this.state.textAlign;
  }
  set textAlign(v: CanvasTextAlign) {
    this.state.textAlign = v;
    this.push(OP.textAlign, v);
  }
  get textBaseline(): CanvasTextBaseline {
    return this.state.textBaseline;
  }
  set textBaseline(v: CanvasTextBaseline) {
    this.state.textBaseline = v;
    this.push(OP.textBaseline, v);
  }
  get shadowColor(): string {
    return this.state.shadowColor;
  }
  set shadowColor(v: string) {
    this.state.shadowColor = v;
    this.push(OP.shadowColor, v);
  }
  get shadowBlur(): number {
    return this.state.shadowBlur;
  }
  set shadowBlur(v: number) {
    this.state.shadowBlur = v;
    this.push(OP.shadowBlur, v);
  }
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.push(OP.setTransform, a, b, c, d, e, f);
  }
  clearRect(x: number, y: number, w: number, h: number): void {
    this.push(OP.clearRect, x, y, w, h);
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    this.push(OP.fillRect, x, y, w, h);
  }
  save(): void {
    this.push(OP.save);
  }
  restore(): void {
    this.push(OP.restore);
  }
  clipRect(x: number, y: number, w: number, h: number): void {
    this.push(OP.clipRect, x, y, w, h);
  }
  fillText(text: string, x: number, y: number): void {
    this.push(OP.fillText, text, x, y);
  }
  createLinearGradient(x0: number, y0: number, x1: number, y1: number): PaintGradient {
    const g = new RecordedGradient(this.nextGradient++, (offset, colour) => this.push(OP.colorStop, g.id, offset, colour));
    this.push(OP.gradient, g.id, x0, y0, x1, y1);
    return g;
  }
}

class RecordedGradient implements PaintGradient {
  constructor(
    readonly id: number,
    private readonly record: (offset: number, colour: string) => void,
  ) {}
  addColorStop(offset: number, colour: string): void {
    this.record(offset, colour);
  }
}

/** What replayPaint draws on: an OffscreenCanvas (in the worker) or any canvas and its context. */
export interface ReplayTarget {
  canvas: { width: number; height: number };
  ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;
  gradients: Map<number, CanvasGradient>;
}

/** Draws a recorded drawing. Returns the number of operations it replayed. */
export function replayPaint(t: ReplayTarget, ops: PaintOps): number {
  const { ctx } = t;
  const n = (i: number) => ops[i] as number;
  const s = (i: number) => ops[i] as string;
  let i = 0;
  let count = 0;
  while (i < ops.length) {
    const op = n(i++);
    count++;
    switch (op) {
      case OP.size:
        t.canvas.width = n(i);
        t.canvas.height = n(i + 1);
        t.gradients.clear();
        i += 2;
        break;
      case OP.fillStyle:
        ctx.fillStyle = s(i++);
        break;
      case OP.fillGradient:
        ctx.fillStyle = t.gradients.get(n(i++)) ?? '#000';
        break;
      case OP.globalAlpha:
        ctx.globalAlpha = n(i++);
        break;
      case OP.font:
        ctx.font = s(i++);
        break;
      case OP.textAlign:
        ctx.textAlign = s(i++) as CanvasTextAlign;
        break;
      case OP.textBaseline:
        ctx.textBaseline = s(i++) as CanvasTextBaseline;
        break;
      case OP.shadowColor:
        ctx.shadowColor = s(i++);
        break;
      case OP.shadowBlur:
        ctx.shadowBlur = n(i++);
        break;
      case OP.setTransform:
        ctx.setTransform(n(i), n(i + 1), n(i + 2), n(i + 3), n(i + 4), n(i + 5));
        i += 6;
        break;
      case OP.clearRect:
        ctx.clearRect(n(i), n(i + 1), n(i + 2), n(i + 3));
        i += 4;
        break;
      case OP.fillRect:
        ctx.fillRect(n(i), n(i + 1), n(i + 2), n(i + 3));
        i += 4;
        break;
      case OP.save:
        ctx.save();
        break;
      case OP.restore:
        ctx.restore();
        break;
      case OP.clipRect:
        ctx.beginPath();
        ctx.rect(n(i), n(i + 1), n(i + 2), n(i + 3));
        ctx.clip();
        i += 4;
        break;
      case OP.fillText:
        ctx.fillText(s(i), n(i + 1), n(i + 2));
        i += 3;
        break;
      case OP.gradient: {
        const g = ctx.createLinearGradient(n(i + 1), n(i + 2), n(i + 3), n(i + 4));
        t.gradients.set(n(i), g);
        // A board keeps at most a few hundred; an id is never reused.
        if (t.gradients.size > 1024) t.gradients.delete(t.gradients.keys().next().value as number);
        i += 5;
        break;
      }
      case OP.colorStop:
        t.gradients.get(n(i))?.addColorStop(n(i + 1), s(i + 2));
        i += 3;
        break;
      default:
        throw new Error(`paint: unknown operation ${op} at ${i - 1}`);
    }
  }
  return count;
}

/** Drawing straight onto a canvas of the page (where no worker can take it). */
export class DirectSurface implements PaintSurface {
  readonly ctx: Paint2D;
  readonly offscreen = false;
  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d')!;
    const clipRect = (x: number, y: number, w: number, h: number) => {
      ctx.beginPath();
      ctx.rect(x, y, w, h);
      ctx.clip();
    };
    this.ctx = Object.assign(ctx, { clipRect }) as unknown as Paint2D;
  }
  get width(): number {
    return this.canvas.width;
  }
  get height(): number {
    return this.canvas.height;
  }
  setSize(width: number, height: number): void {
    this.canvas.width = width;
    this.canvas.height = height;
  }
  dispose(): void {}
}
