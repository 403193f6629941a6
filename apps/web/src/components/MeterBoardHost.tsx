'use client';
import { useEffect, useRef, useState } from 'react';
import { MeterBoard } from './meter-board';
import { MeterBoardContext } from './Meter';
import { useFrame } from './frame';

/**
 * Gives the meters inside `children` one canvas laid over them (see MeterBoard). `clipSelector`
 * names the scrolling boxes a meter is drawn only within.
 */
export function MeterBoardHost({ className, clipSelector, children, ...rest }: {
  className: string;
  clipSelector: string;
  children: React.ReactNode;
} & React.HTMLAttributes<HTMLElement>) {
  const hostRef = useRef<HTMLElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [board, setBoard] = useState<MeterBoard | null>(null);
  useEffect(() => {
    if (!hostRef.current || !canvasRef.current) return;
    const next = new MeterBoard(hostRef.current, canvasRef.current, clipSelector);
    setBoard(next);
    return () => next.dispose();
  }, [clipSelector]);
  useFrame((now) => board?.frame(now));
  return (
    <section className={`${className} meter-board`} ref={hostRef} {...rest}>
      <MeterBoardContext.Provider value={board}>{children}</MeterBoardContext.Provider>
      <canvas className="meter-board-canvas" ref={canvasRef} aria-hidden />
    </section>
  );
}
