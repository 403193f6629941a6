import type { LevelReading } from '@mixroom/engine';

export const METER_FLOOR_DB = -60;
export const METER_CEIL_DB = 6;
const HOLD_MS = 1200;
const FALL_DB_PER_S = 24;
const CLIP_SHOW_MS = 2000;
/** Bar colours from the floor to the top (the same scale as the meter's ticks). */
const GRADIENT: ReadonlyArray<[number, string]> = [
  [0, '#2fbf71'],
  [0.6, '#2fbf71'],
  [0.8, '#d6d33f'],
  [0.9, '#f29a38'],
  [1, '#e5484d'],
];

export const meterPos = (db: number) => (Number.isFinite(db) ? Math.min(1, Math.max(0, (db - METER_FLOOR_DB) / (METER_CEIL_DB - METER_FLOOR_DB))) : 0);

/** One meter drawn by the board: where its bar is in the page and how it falls. */
export interface MeterSlot {
  /** The bar's box (its dark track stays in the DOM; the board draws the levels over it). */
  bar: HTMLElement;
  /** Lit for two seconds after a reading at or over 0 dBFS. */
  clip: HTMLElement | null;
  /** Carries the peak figure as data-peak-db (read by tests and assistive tools). */
  root: HTMLElement;
  read: () => LevelReading | null;
}

interface SlotState {
  /** The scrolling boxes around the meter (fixed while it is mounted): it is drawn only inside them. */
  clips: Element[];
  peak: number;
  rms: number;
  hold: number;
  holdAt: number;
  clipAt: number;
  attrAt: number;
  /** What is on the canvas for this slot: its box and its three levels in pixels. */
  drawn: { x: number; y: number; w: number; h: number; peak: number; rms: number; hold: number; clip: Clip } | null;
}

interface Clip {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
const sameClip = (a: Clip, b: Clip) => a.left === b.left && a.top === b.top && a.right === b.right && a.bottom === b.bottom;

/**
 * Every level meter of one view drawn on one canvas laid over it. A DOM meter is three moving
 * boxes per channel: 48 channels changing 30 times a second made the page repaint and re-layerize
 * itself on every frame, which kept the main thread busy. The board changes one canvas, and only
 * the pixels of the meters whose level moved by a pixel or more.
 */
export class MeterBoard {
  private readonly slots = new Map<MeterSlot, SlotState>();
  private ctx: CanvasRenderingContext2D | null = null;
  private gradients = new Map<number, CanvasGradient>();
  private last = 0;
  private dpr = 1;

  constructor(
    private readonly host: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    /** Meters are drawn only inside these (scrolling) boxes' visible part, when inside one. */
    private readonly clipSelector: string,
  ) {}

  add(slot: MeterSlot): () => void {
    const clips: Element[] = [];
    for (let el = slot.bar.parentElement?.closest(this.clipSelector); el && this.host.contains(el); el = el.parentElement?.closest(this.clipSelector)) clips.push(el);
    this.slots.set(slot, { clips, peak: -Infinity, rms: -Infinity, hold: -Infinity, holdAt: 0, clipAt: -1e9, attrAt: 0, drawn: null });
    return () => {
      const s = this.slots.get(slot);
      if (s?.drawn && this.ctx) this.erase(s.drawn);
      this.slots.delete(slot);
    };
  }

  /** Called once per frame of the page's frame loop. */
  frame(now: number): void {
    const dt = this.last ? (now - this.last) / 1000 : 0;
    this.last = now;
    const ctx = this.context();
    if (!ctx) return;
    const hostRect = this.host.getBoundingClientRect();
    const rects = new Map<Element, DOMRect>();
    const rectOf = (el: Element) => {
      let r = rects.get(el);
      if (!r) rects.set(el, (r = el.getBoundingClientRect()));
      return r;
    };
    for (const [slot, s] of this.slots) {
      this.ballistics(slot, s, now, dt);
      const r = slot.bar.getBoundingClientRect();
      // The visible part of the bar: inside the board and every scrolling box around it.
      const clip = { left: 0, top: 0, right: hostRect.width, bottom: hostRect.height };
      for (const el of s.clips) {
        const c = rectOf(el);
        clip.left = Math.max(clip.left, c.left - hostRect.left);
        clip.top = Math.max(clip.top, c.top - hostRect.top);
        clip.right = Math.min(clip.right, c.right - hostRect.left);
        clip.bottom = Math.min(clip.bottom, c.bottom - hostRect.top);
      }
      const box = { x: Math.round(r.left - hostRect.left), y: Math.round(r.top - hostRect.top), w: Math.round(r.width), h: Math.round(r.height) };
      const visible = box.w > 0 && box.x + box.w > clip.left && box.x < clip.right && box.y + box.h > clip.top && box.y < clip.bottom;
      const px = (db: number) => Math.round(meterPos(db) * box.h);
      const levels = { peak: px(s.peak), rms: px(s.rms), hold: Number.isFinite(s.hold) && s.hold > METER_FLOOR_DB ? px(s.hold) : -1 };
      const d = s.drawn;
      if (!visible) {
        if (d) this.erase(d);
        s.drawn = null;
        continue;
      }
      if (d && d.x === box.x && d.y === box.y && d.w === box.w && d.h === box.h && d.peak === levels.peak && d.rms === levels.rms && d.hold === levels.hold && sameClip(d.clip, clip)) continue;
      if (d) this.erase(d);
      this.draw(ctx, box, levels, clip);
      s.drawn = { ...box, ...levels, clip };
    }
  }

  private ballistics(slot: MeterSlot, s: SlotState, now: number, dt: number): void {
    const r = slot.read();
    const fall = (prev: number, next: number) => (next >= prev || !Number.isFinite(prev) ? next : Math.max(next, prev - FALL_DB_PER_S * dt));
    s.peak = fall(s.peak, r?.peakDb ?? -Infinity);
    s.rms = fall(s.rms, r?.rmsDb ?? -Infinity);
    if (s.peak >= s.hold || now - s.holdAt > HOLD_MS) {
      s.hold = s.peak;
      s.holdAt = now;
    }
    if ((r?.peakDb ?? -Infinity) >= 0) s.clipAt = now;
    const clip = now - s.clipAt < CLIP_SHOW_MS;
    if (slot.clip && slot.clip.classList.contains('on') !== clip) slot.clip.classList.toggle('on', clip);
    // The readable figure (an attribute: style work) at most 5 times a second.
    if (now - s.attrAt >= 200) {
      s.attrAt = now;
      const text = Number.isFinite(s.peak) ? s.peak.toFixed(1) : '-inf';
      if (slot.root.dataset.peakDb !== text) slot.root.dataset.peakDb = text;
    }
  }

  private context(): CanvasRenderingContext2D | null {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(this.host.clientWidth * dpr);
    const h = Math.round(this.host.clientHeight * dpr);
    if (!this.ctx || this.canvas.width !== w || this.canvas.height !== h || dpr !== this.dpr) {
      // Resizing clears the canvas: every meter is drawn again.
      this.canvas.width = w;
      this.canvas.height = h;
      this.dpr = dpr;
      this.ctx = this.canvas.getContext('2d');
      this.ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.gradients.clear();
      for (const s of this.slots.values()) s.drawn = null;
    }
    return this.ctx;
  }

  private gradient(ctx: CanvasRenderingContext2D, y: number, h: number): CanvasGradient {
    const key = y * 100_000 + h;
    let g = this.gradients.get(key);
    if (!g) {
      g = ctx.createLinearGradient(0, y + h, 0, y);
      for (const [at, colour] of GRADIENT) g.addColorStop(at, colour);
      if (this.gradients.size > 512) this.gradients.clear();
      this.gradients.set(key, g);
    }
    return g;
  }

  private draw(ctx: CanvasRenderingContext2D, box: { x: number; y: number; w: number; h: number }, lv: { peak: number; rms: number; hold: number }, clip: Clip): void {
    const x0 = Math.max(box.x, clip.left);
    const x1 = Math.min(box.x + box.w, clip.right);
    if (x1 <= x0) return;
    // A bar from `top` down to the meter's bottom, inside the clip.
    const bar = (top: number, height: number) => {
      const y0 = Math.max(top, clip.top);
      const y1 = Math.min(top + height, clip.bottom);
      if (y1 > y0) ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    };
    const bottom = box.y + box.h;
    ctx.fillStyle = this.gradient(ctx, box.y, box.h);
    ctx.globalAlpha = 0.35;
    bar(bottom - lv.peak, lv.peak);
    ctx.globalAlpha = 1;
    bar(bottom - lv.rms, lv.rms);
    if (lv.hold >= 0) {
      ctx.fillStyle = '#f4f4f4';
      bar(bottom - Math.max(2, lv.hold), 2);
    }
  }

  private erase(d: { x: number; y: number; w: number; h: number }): void {
    this.ctx?.clearRect(d.x, d.y, d.w, d.h);
  }
}
