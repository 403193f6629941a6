'use client';
import { useEffect, useRef } from 'react';
import { bucketCount, pickPeakLevel, type Peaks } from '@mixroom/engine';

/**
 * Lanes waiting to be drawn. A lane takes a few milliseconds to draw on a CPU-rastered canvas; a
 * session opening with 48 of them drew them all in one task (0.8 s in which the page took no
 * click). They are drawn a slice of time at a time, and only once on screen.
 */
const pendingDraws = new Set<() => void>();
let drainScheduled = false;
const DRAW_SLICE_MS = 8;

function drawSoon(draw: () => void): void {
  pendingDraws.add(draw);
  if (drainScheduled) return;
  drainScheduled = true;
  setTimeout(drainDraws, 0);
}

function drainDraws(): void {
  const end = performance.now() + DRAW_SLICE_MS;
  for (const draw of pendingDraws) {
    pendingDraws.delete(draw);
    draw();
    if (performance.now() > end) break;
  }
  drainScheduled = pendingDraws.size > 0;
  if (drainScheduled) setTimeout(drainDraws, 0);
}

/** Draws a stem's precomputed peaks, filling its lane; redraws on resize, when on screen. */
export function Waveform({
  peaks,
  songDuration,
  color,
  dimmed,
}: {
  peaks: Peaks | null;
  /** Seconds the lane's width stands for, so stems of different lengths line up. */
  songDuration: number;
  color: string;
  dimmed: boolean;
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !peaks || peaks.levels.length === 0) return;
    const draw = () => {
      const dpr = window.devicePixelRatio || 1;
      const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
      const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      const g = canvas.getContext('2d');
      if (!g) return;
      g.clearRect(0, 0, w, h);
      const songSamples = Math.max(peaks.length, songDuration * peaks.sampleRate);
      const level = pickPeakLevel(peaks, songSamples / w);
      const data = level.data;
      const n = bucketCount(level);
      if (n === 0) return;
            const bucketsPerPixel = songSamples / level.samplesPerPixel / w;
      const mid = h / 2;
      const grad = g.createLinearGradient(0, 0, 0, h);
      grad.addColorStop(0, color);
      grad.addColorStop(0.5, color + 'cc');
      grad.addColorStop(1, color);
      g.fillStyle = grad;
      // Each pixel column shows the extremes of every peak bucket that falls into it.
      g.beginPath();
      for (let x = 0; x < w; x++) {
        const a = Math.floor(x * bucketsPerPixel);
        const b = Math.max(a + 1, Math.floor((x + 1) * bucketsPerPixel));
        let lo = 0;
        let hi = 0;
        for (let i = a; i < b && i < n; i++) {
          const mn = data[2 * i] / 127;
          const mx = data[2 * i + 1] / 127;
          if (mn < lo) lo = mn;
          if (mx > hi) hi = mx;
        }
        const top = mid - hi * mid * 0.95;
        const bottom = mid - lo * mid * 0.95;
        g.rect(x, top, 1, Math.max(1, bottom - top));
      }
      g.fill();
    };
    // Both observers report once as soon as they observe: the first drawing needs no call here.
    let onScreen = false;
    let stale = true;
    const request = () => {
      stale = true;
      if (onScreen) drawSoon(drawNow);
    };
    const drawNow = () => {
      stale = false;
      draw();
    };
    const ro = new ResizeObserver(request);
    const io = new IntersectionObserver((entries) => {
      onScreen = entries[entries.length - 1].isIntersecting;
      if (onScreen && stale) drawSoon(drawNow);
    });
    ro.observe(canvas);
    io.observe(canvas);
    return () => {
      ro.disconnect();
      io.disconnect();
      pendingDraws.delete(drawNow);
    };
  }, [peaks, color, songDuration]);

  return <canvas ref={canvasRef} className={`waveform ${dimmed ? 'dimmed' : ''}`} aria-hidden />;
}
