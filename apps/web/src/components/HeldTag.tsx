'use client';
import type { Presence } from '@mixroom/protocol';

/** Name tag shown on a control while another person is dragging it. */
export function HeldTag({ peer, testId }: { peer: Presence | undefined; testId: string }) {
  if (!peer) return null;
  return (
    <span className="held-tag" data-testid={`held-${testId}`} style={{ background: peer.color }}>
      {peer.name}
    </span>
  );
}
