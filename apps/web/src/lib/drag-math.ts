/**
 * How far a knob or pan control moves for a drag. A full sweep takes 250 px of mouse travel
 * (it was 160 px for knobs and the control's own 72 px width for pan, so 50 px took an EQ band
 * from 400 Hz to 3.46 kHz and 40 px panned C → L100); Shift is ten times finer.
 */
export const DRAG_TRAVEL_PX = 250;
export const FINE_FACTOR = 0.1;

/** The control's normalised position (0…1) after dragging `deltaPx` from `startPos` (positive = up/right). */
export function dragToPosition(startPos: number, deltaPx: number, fine: boolean): number {
  const p = startPos + (deltaPx / DRAG_TRAVEL_PX) * (fine ? FINE_FACTOR : 1);
  return Math.min(1, Math.max(0, p));
}
