'use client';
import { useEffect, useRef, type RefObject } from 'react';
import { useFrame } from '../frame';
import type { PaintSurface } from '../../lib/paint';
import { paintSurface, releasePaintSurface } from '../../lib/paint-host';

/**
 * The arrange view's playhead, drawn on a canvas that stays over the visible lanes (sticky in the
 * scrolling track area). A moved element as tall as 48 lanes, even on its own layer, made the
 * page repaint and re-layerize on every frame while playing; a canvas changes only its pixels.
 * The position is also in `data-position` (seconds, for tests and tools).
 */
export function PlayheadCanvas({ read, duration, scrollerRef }: { read: () => number; duration: number; scrollerRef: RefObject<HTMLElement | null> }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const size = useRef({ width: 0, height: 0 });
  const drawn = useRef<{ x: number; width: number; height: number; dpr: number } | null>(null);
  const surfaceRef = useRef<PaintSurface | null>(null);

  const draw = () => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const { width, height } = size.current;
    if (width === 0 || height === 0 || !duration) return;
    const pos = Math.max(0, read());
    canvas.dataset.position = pos.toFixed(2);
    const dpr = window.devicePixelRatio || 1;
    const x = Math.round(Math.min(1, pos / duration) * width * dpr) / dpr;
    const d = drawn.current;
    if (d && d.x === x && d.width === width && d.height === height && d.dpr === dpr) return;
    surfaceRef.current ??= paintSurface(canvas);
    const surface = surfaceRef.current;
    const ctx = surface.ctx;
    if (!d || d.width !== width || d.height !== height || d.dpr !== dpr) {
      surface.setSize(Math.round(width * dpr), Math.round(height * dpr));
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    } else {
      ctx.clearRect(d.x - 8, 0, 16, height);
    }
    ctx.shadowColor = 'rgba(255, 255, 255, 0.6)';
    ctx.shadowBlur = 6;
    ctx.fillStyle = '#fff';
    ctx.fillRect(x - 1, 0, 2, height);
    drawn.current = { x, width, height, dpr };
  };

  useFrame(draw);

  useEffect(() => {
    const canvas = canvasRef.current;
    return () => {
      if (canvas) releasePaintSurface(canvas);
    };
  }, []);

  useEffect(() => {
    const canvas = canvasRef.current;
    const scroller = scrollerRef.current;
    if (!canvas || !scroller) return;
    // As tall as the scroller's visible area, and taking no room in the lanes below it.
    const measure = () => {
      const height = scroller.clientHeight;
      canvas.style.height = `${height}px`;
      canvas.style.marginBottom = `${-height}px`;
      size.current = { width: canvas.clientWidth, height };
      drawn.current = null;
      draw();
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(scroller);
    ro.observe(canvas);
    return () => ro.disconnect();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scrollerRef, duration]);

  return <canvas ref={canvasRef} className="playhead-canvas" data-testid="playhead" aria-hidden />;
}
