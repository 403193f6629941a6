import type { LevelReading } from '@mixroom/engine';
import type { Paint2D, PaintGradient, PaintSurface } from '../lib/paint';
import { paintSurface, releasePaintSurface } from '../lib/paint-host';

export const METER_FLOOR_DB = -60;
export const METER_CEIL_DB = 6;
const HOLD_MS = 1200;
const FALL_DB_PER_S = 24;
const CLIP_SHOW_MS = 2000;
/** Meters are measured again at least this often even when nothing said they moved. */
const REMEASURE_MS = 500;
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

/** A compressor's gain-reduction bar (growing from the right) and its figure, drawn by the board. */
export interface GrSlot {
  /** The bar's dark track (DOM); the board draws the reduction over it. */
  track: HTMLElement;
  /** The box the figure is drawn in (its font and colour are the figure's). */
  num: HTMLElement;
  /** Carries the figure as data-gr (read by tests and assistive tools). */
  root: HTMLElement;
  read: () => number;
}

interface GrState {
  clips: Element[];
  font: string;
  colour: string;
  text: string;
  textAt: number;
  drawn: { track: Box; num: Box; bar: number; text: string; clip: Clip } | null;
}

const GR_FULL_SCALE_DB = 20;
const GR_TEXT_MS = 200;
const GR_COLOUR = '#f57a3d';

/** A thin level line along the bottom of a box (the channel navigator's chips): 0…1 of its width. */
export interface BarSlot {
  track: HTMLElement;
  colour: string;
  /** 0…1; read ten times a second and shown in 5 % steps (it says which channels sound, not how loud). */
  read: () => number;
}

interface BarState {
  clips: Element[];
  value: number;
  valueAt: number;
  drawn: { box: Box; px: number; clip: Clip; colour: string } | null;
}

const BAR_READ_MS = 100;

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

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Clip {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
const sameBox = (a: Box, b: Box) => a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
const sameClip = (a: Clip, b: Clip) => a.left === b.left && a.top === b.top && a.right === b.right && a.bottom === b.bottom;

/**
 * Every level meter of one view drawn on one canvas laid over it. A DOM meter is three moving
 * boxes per channel: 48 channels changing 30 times a second made the page repaint and re-layerize
 * itself on every frame, which kept the main thread busy. The board changes one canvas, and only
 * the pixels of the meters whose level moved by a pixel or more.
 */
export class MeterBoard {
  private readonly slots = new Map<MeterSlot, SlotState>();
  private readonly grSlots = new Map<GrSlot, GrState>();
  private readonly barSlots = new Map<BarSlot, BarState>();
  private ctx: Paint2D | null = null;
  private surface: PaintSurface | null = null;
  private gradients = new Map<number, PaintGradient>();
  private last = 0;
  private dpr = 1;

  constructor(
    private readonly host: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    /** Meters are drawn only inside these (scrolling) boxes' visible part, when inside one. */
    private readonly clipSelector: string,
  ) {}

  /**
   * Meters on screen (in the window and in their scrolling boxes' visible part). Only they are
   * measured: measuring a meter of a strip scrolled out of view (content-visibility skips its
   * layout) laid that strip out, and measuring all 48 after each one was added laid out the whole
   * console in the task that opened a session.
   */
  private readonly onScreen = new Set<Element>();
  private readonly visibility: IntersectionObserver | null =
    typeof IntersectionObserver === 'undefined'
      ? null
      : new IntersectionObserver((entries) => {
          for (const e of entries) {
            if (e.isIntersecting) this.onScreen.add(e.target);
            else this.onScreen.delete(e.target);
          }
          this.geometry = null;
        });

  private shown(el: Element): boolean {
    return !this.visibility || this.onScreen.has(el);
  }

  private observe(el: Element): void {
    this.visibility?.observe(el);
  }

  private unobserve(el: Element): void {
    this.visibility?.unobserve(el);
    this.onScreen.delete(el);
  }

  private clipsOf(el: HTMLElement): Element[] {
    const clips: Element[] = [];
    for (let c = el.parentElement?.closest(this.clipSelector); c && this.host.contains(c); c = c.parentElement?.closest(this.clipSelector)) clips.push(c);
    return clips;
  }

  addBar(slot: BarSlot): () => void {
    this.barSlots.set(slot, { clips: this.clipsOf(slot.track), value: 0, valueAt: -1e9, drawn: null });
    this.resizeObserver?.observe(slot.track);
    this.observe(slot.track);
    this.geometry = null;
    return () => {
      const s = this.barSlots.get(slot);
      if (s?.drawn) this.ctx?.clearRect(s.drawn.box.x, s.drawn.box.y, s.drawn.box.w, s.drawn.box.h);
      this.barSlots.delete(slot);
      this.resizeObserver?.unobserve(slot.track);
      this.unobserve(slot.track);
      this.geometry = null;
    };
  }

  addGr(slot: GrSlot): () => void {
    // The figure's font and colour are read when it is first measured: reading a style here, as
    // each of 48 strips mounted, recalculated the page's style 48 times in one task.
    this.grSlots.set(slot, { clips: this.clipsOf(slot.track), font: '', colour: '', text: '', textAt: -1e9, drawn: null });
    this.resizeObserver?.observe(slot.track);
    this.observe(slot.root);
    this.geometry = null;
    return () => {
      const s = this.grSlots.get(slot);
      if (s?.drawn && this.ctx) this.eraseGr(s.drawn);
      this.grSlots.delete(slot);
      this.resizeObserver?.unobserve(slot.track);
      this.unobserve(slot.root);
      this.geometry = null;
    };
  }

  add(slot: MeterSlot): () => void {
    const clips = this.clipsOf(slot.bar);
    this.slots.set(slot, { clips, peak: -Infinity, rms: -Infinity, hold: -Infinity, holdAt: 0, clipAt: -1e9, attrAt: 0, drawn: null });
    this.resizeObserver?.observe(slot.bar);
    this.observe(slot.root);
    this.geometry = null;
    return () => {
      const s = this.slots.get(slot);
      if (s?.drawn && this.ctx) this.erase(s.drawn);
      this.slots.delete(slot);
      this.resizeObserver?.unobserve(slot.bar);
      this.unobserve(slot.root);
      this.geometry = null;
    };
  }

  /**
   * Where every meter sits is measured only after something may have moved it: a scroll inside
   * the board, a resize of the board or of a meter, a meter added or removed, and otherwise twice
   * a second (a strip growing under a menu, say). Measuring on every frame forced a layout per
   * meter per frame, and with strips skipped by content-visibility it laid them out again.
   */
  private geometry: { at: number; w: number; h: number; boxes: Map<SlotState, { box: Box; clip: Clip }>; grBoxes: Map<GrState, { track: Box; num: Box; clip: Clip }>; barBoxes: Map<BarState, { box: Box; clip: Clip }> } | null = null;
  private watching = false;
  private readonly invalidate = () => {
    this.geometry = null;
  };
  private resizeObserver: ResizeObserver | null = null;

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    // Scroll events do not bubble, but they are seen in the capture phase by any ancestor.
    this.host.addEventListener('scroll', this.invalidate, { capture: true, passive: true });
    window.addEventListener('resize', this.invalidate, { passive: true });
    if (typeof ResizeObserver !== 'undefined') {
      this.resizeObserver = new ResizeObserver(this.invalidate);
      this.resizeObserver.observe(this.host);
      for (const slot of this.slots.keys()) this.resizeObserver.observe(slot.bar);
      for (const slot of this.grSlots.keys()) this.resizeObserver.observe(slot.track);
      for (const slot of this.barSlots.keys()) this.resizeObserver.observe(slot.track);
    }
  }

  /** Stops watching the page (the host is leaving it). */
  dispose(): void {
    this.host.removeEventListener('scroll', this.invalidate, { capture: true });
    window.removeEventListener('resize', this.invalidate);
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
    this.visibility?.disconnect();
    this.onScreen.clear();
    this.watching = false;
    releasePaintSurface(this.canvas);
  }

  private measure(now: number): NonNullable<MeterBoard['geometry']> {
    const hostRect = this.host.getBoundingClientRect();
    const rects = new Map<Element, DOMRect>();
    const rectOf = (el: Element) => {
      let r = rects.get(el);
      if (!r) rects.set(el, (r = el.getBoundingClientRect()));
      return r;
    };
    // The visible part of a box: inside the board and every scrolling box around it.
    const clipOf = (clips: Element[]): Clip => {
      const clip = { left: 0, top: 0, right: hostRect.width, bottom: hostRect.height };
      for (const el of clips) {
        const c = rectOf(el);
        clip.left = Math.max(clip.left, c.left - hostRect.left);
        clip.top = Math.max(clip.top, c.top - hostRect.top);
        clip.right = Math.min(clip.right, c.right - hostRect.left);
        clip.bottom = Math.min(clip.bottom, c.bottom - hostRect.top);
      }
      return clip;
    };
    const boxOf = (el: Element): Box => {
      const r = el.getBoundingClientRect();
      return { x: Math.round(r.left - hostRect.left), y: Math.round(r.top - hostRect.top), w: Math.round(r.width), h: Math.round(r.height) };
    };
    const boxes = new Map<SlotState, { box: Box; clip: Clip }>();
    for (const [slot, s] of this.slots) if (this.shown(slot.root)) boxes.set(s, { box: boxOf(slot.bar), clip: clipOf(s.clips) });
    const grBoxes = new Map<GrState, { track: Box; num: Box; clip: Clip }>();
    for (const [slot, s] of this.grSlots) {
      if (!this.shown(slot.root)) continue;
      if (!s.font) {
        const style = getComputedStyle(slot.num);
        s.font = `${style.fontSize} ${style.fontFamily}`;
        s.colour = style.color;
      }
      grBoxes.set(s, { track: boxOf(slot.track), num: boxOf(slot.num), clip: clipOf(s.clips) });
    }
    const barBoxes = new Map<BarState, { box: Box; clip: Clip }>();
    for (const [slot, s] of this.barSlots) if (this.shown(slot.track)) barBoxes.set(s, { box: boxOf(slot.track), clip: clipOf(s.clips) });
    return { at: now, w: this.host.clientWidth, h: this.host.clientHeight, boxes, grBoxes, barBoxes };
  }

  /** Called once per frame of the page's frame loop. */
  frame(now: number): void {
    const dt = this.last ? (now - this.last) / 1000 : 0;
    this.last = now;
    this.watch();
    if (!this.geometry || now - this.geometry.at > REMEASURE_MS) this.geometry = this.measure(now);
    const geo = this.geometry;
    const ctx = this.context(geo.w, geo.h);
    if (!ctx) return;
    for (const [slot, s] of this.slots) {
      this.ballistics(slot, s, now, dt);
      const placed = geo.boxes.get(s);
      if (!placed) {
        // Off screen (not measured): nothing of it stays on the canvas.
        if (s.drawn) this.erase(s.drawn);
        s.drawn = null;
        continue;
      }
      const { box, clip } = placed;
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
    for (const [slot, s] of this.grSlots) this.frameGr(ctx, slot, s, geo.grBoxes.get(s), now);
    const readBars = Math.floor(now / BAR_READ_MS) !== Math.floor(this.barsReadAt / BAR_READ_MS);
    if (readBars) this.barsReadAt = now;
    for (const [slot, s] of this.barSlots) {
      if (readBars) s.value = Math.round(Math.min(1, Math.max(0, slot.read())) * 20) / 20;
      const placed = geo.barBoxes.get(s);
      if (!placed) {
        if (s.drawn) ctx.clearRect(s.drawn.box.x, s.drawn.box.y, s.drawn.box.w, s.drawn.box.h);
        s.drawn = null;
        continue;
      }
      const { box, clip } = placed;
      const d = s.drawn;
      const visible = box.w > 0 && box.x + box.w > clip.left && box.x < clip.right && box.y + box.h > clip.top && box.y < clip.bottom;
      const px = Math.round(s.value * box.w);
      if (d && visible && d.px === px && d.colour === slot.colour && sameBox(d.box, box) && sameClip(d.clip, clip)) continue;
      if (d) ctx.clearRect(d.box.x, d.box.y, d.box.w, d.box.h);
      s.drawn = null;
      if (!visible) continue;
      const x0 = Math.max(box.x, clip.left);
      const x1 = Math.min(box.x + px, clip.right);
      const y0 = Math.max(box.y, clip.top);
      const y1 = Math.min(box.y + box.h, clip.bottom);
      if (x1 > x0 && y1 > y0) {
        ctx.fillStyle = slot.colour;
        ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
      }
      s.drawn = { box, px, clip, colour: slot.colour };
    }
  }

  private barsReadAt = -1e9;

  /** A GR meter: the bar in ¼ dB steps, the figure (and data-gr) five times a second, all meters in the same frame. */
  private frameGr(ctx: Paint2D, slot: GrSlot, s: GrState, placed: { track: Box; num: Box; clip: Clip } | undefined, now: number): void {
    const gr = Math.max(0, slot.read());
    if (Math.floor(now / GR_TEXT_MS) !== Math.floor(s.textAt / GR_TEXT_MS)) {
      s.textAt = now;
      s.text = gr >= 0.05 ? `-${gr.toFixed(1)}` : '0.0';
      const attr = gr.toFixed(1);
      if (slot.root.dataset.gr !== attr) slot.root.dataset.gr = attr;
    }
    if (!placed) {
      if (s.drawn) this.eraseGr(s.drawn);
      s.drawn = null;
      return;
    }
    const { track, num, clip } = placed;
    const visible = (b: Box) => b.w > 0 && b.x + b.w > clip.left && b.x < clip.right && b.y + b.h > clip.top && b.y < clip.bottom;
    const d = s.drawn;
    if (!visible(track) && !visible(num)) {
      if (d) this.eraseGr(d);
      s.drawn = null;
      return;
    }
    const bar = Math.round(((Math.round(Math.min(GR_FULL_SCALE_DB, gr) * 4) / 4) / GR_FULL_SCALE_DB) * track.w);
    if (d && d.bar === bar && d.text === s.text && sameBox(d.track, track) && sameBox(d.num, num) && sameClip(d.clip, clip)) return;
    if (d) this.eraseGr(d);
    ctx.save();
    ctx.clipRect(clip.left, clip.top, clip.right - clip.left, clip.bottom - clip.top);
    if (bar > 0) {
      ctx.fillStyle = GR_COLOUR;
      ctx.fillRect(track.x + track.w - bar, track.y, bar, track.h);
    }
    ctx.font = s.font;
    ctx.fillStyle = s.colour;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(s.text, num.x + num.w, num.y + num.h / 2 + 0.5);
    ctx.restore();
    s.drawn = { track, num, bar, text: s.text, clip };
  }

  private eraseGr(d: { track: Box; num: Box }): void {
    this.ctx?.clearRect(d.track.x, d.track.y, d.track.w, d.track.h);
    // The figure's glyphs may reach a pixel outside their box.
    this.ctx?.clearRect(d.num.x - 1, d.num.y - 1, d.num.w + 2, d.num.h + 2);
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
    if (Math.floor(now / 200) !== Math.floor(s.attrAt / 200)) {
      s.attrAt = now;
      const text = Number.isFinite(s.peak) ? s.peak.toFixed(1) : '-inf';
      if (slot.root.dataset.peakDb !== text) slot.root.dataset.peakDb = text;
    }
  }

  private context(width: number, height: number): Paint2D | null {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(width * dpr);
    const h = Math.round(height * dpr);
    this.surface ??= paintSurface(this.canvas);
    const surface = this.surface;
    if (!this.ctx || surface.width !== w || surface.height !== h || dpr !== this.dpr) {
      // Resizing clears the canvas: every meter is drawn again.
      surface.setSize(w, h);
      this.dpr = dpr;
      this.ctx = surface.ctx;
      this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.gradients.clear();
      for (const s of this.slots.values()) s.drawn = null;
      for (const s of this.grSlots.values()) s.drawn = null;
      for (const s of this.barSlots.values()) s.drawn = null;
    }
    return this.ctx;
  }

  private gradient(ctx: Paint2D, y: number, h: number): PaintGradient {
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

  private draw(ctx: Paint2D, box: { x: number; y: number; w: number; h: number }, lv: { peak: number; rms: number; hold: number }, clip: Clip): void {
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
