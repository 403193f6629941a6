'use client';
import { useEffect, useRef } from 'react';
import { formatTime } from '../../lib/format';
import { useFrame } from '../frame';
import type { PaintSurface } from '../../lib/paint';
import { paintSurface, releasePaintSurface } from '../../lib/paint-host';

/**
 * The transport's position, drawn on a canvas. Changing a text node ten times a second made the
 * browser repaint and re-layerize the whole page (48 strips and lanes) on every change; a canvas
 * changes only its own pixels. The figure is also in `data-time` (tests, tools) and, once a
 * second, in the label read by assistive technology.
 */
export function LcdClock({ read }: { read: () => number }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drawn = useRef({ text: '', width: 0, height: 0, dpr: 0, label: '' });
  // The canvas's CSS size, read when it changes: reading it every frame forced a layout per frame.
  const size = useRef({ width: 0, height: 0 });
  const surfaceRef = useRef<PaintSurface | null>(null);
  // The figure's font and colour, read when the canvas is measured (not on every draw).
  const look = useRef({ font: '', colour: '' });

  const draw = (text: string) => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const d = drawn.current;
    // The canvas takes the size CSS gives it (the width of the widest figure in the LCD's font).
    const { width, height } = size.current;
    if (width === 0 || height === 0) return;
    const dpr = window.devicePixelRatio || 1;
    if (text === d.text && width === d.width && height === d.height && dpr === d.dpr) return;
    surfaceRef.current ??= paintSurface(canvas);
    const surface = surfaceRef.current;
    const ctx = surface.ctx;
    if (width !== d.width || height !== d.height || dpr !== d.dpr) surface.setSize(Math.round(width * dpr), Math.round(height * dpr));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = look.current.font;
    ctx.fillStyle = look.current.colour;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.shadowColor = 'rgba(155, 233, 168, 0.35)';
    ctx.shadowBlur = 8;
    ctx.fillText(text, width, height / 2 + 1);
    Object.assign(d, { text, width, height, dpr });
  };

  const update = () => {
    const text = formatTime(read());
    const canvas = canvasRef.current;
    if (!canvas) return;
    if (canvas.dataset.time !== text) canvas.dataset.time = text;
    const label = `Position ${text.slice(0, -2)}`;
    if (drawn.current.label !== label) {
      drawn.current.label = label;
      canvas.setAttribute('aria-label', label);
    }
    draw(text);
  };

  useFrame(update);
  // Draw once when mounted and when fonts arrive, also while the transport is stopped.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const measure = () => {
      size.current = { width: canvas.clientWidth, height: canvas.clientHeight };
      const style = getComputedStyle(canvas);
      look.current = { font: `${style.fontSize} ${style.fontFamily}`, colour: style.color };
      drawn.current.text = '';
      update();
    };
    measure();
    const ro = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(measure) : null;
    ro?.observe(canvas);
    let live = true;
    void document.fonts?.ready.then(() => live && measure());
    return () => {
      live = false;
      ro?.disconnect();
      releasePaintSurface(canvas);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return <canvas ref={canvasRef} className="lcd-clock" role="timer" data-testid="position" data-time="0:00.0" aria-label="Position 0:00" />;
}
