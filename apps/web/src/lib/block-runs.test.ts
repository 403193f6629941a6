import { describe, expect, it } from 'vitest';
import { missingBlockRuns } from './block-runs';

const B = 256 * 1024;
const none = () => false;

describe('missingBlockRuns', () => {
  it('asks for the blocks of consecutive chunks as one run', () => {
    // Three 98,304-byte chunks from 5 chunks in (past a 44-byte header): bytes 491,564–786,476, blocks 1–3.
    const chunk = 16384 * 6;
    const spans = [0, 1, 2].map((i) => [44 + (5 + i) * chunk, 44 + (6 + i) * chunk] as const);
    expect(missingBlockRuns(spans, B, none, none)).toEqual({ runs: [[1, 3]], incomplete: true });
  });

  it('leaves out cached blocks and splits the run around them', () => {
    const cached = (b: number) => b === 3;
    expect(missingBlockRuns([[0, 6 * B]], B, cached, none)).toEqual({ runs: [[0, 3], [4, 2]], incomplete: true });
  });

  it('does not ask again for blocks on their way, but they are still incomplete', () => {
    const onItsWay = (b: number) => b <= 1;
    expect(missingBlockRuns([[0, 3 * B]], B, none, onItsWay)).toEqual({ runs: [[2, 1]], incomplete: true });
    expect(missingBlockRuns([[0, 2 * B]], B, none, onItsWay)).toEqual({ runs: [], incomplete: true });
  });

  it('is complete when every covered block is cached', () => {
    expect(missingBlockRuns([[10, B + 10]], B, () => true, none)).toEqual({ runs: [], incomplete: false });
  });

  it('keeps a loop wrap as two runs, in file order, each block once', () => {
    // The loop's last chunk (blocks 40–41) then its first (blocks 0–1), overlapping spans too.
    const spans = [[40 * B + 5, 42 * B], [0, 2 * B - 1], [B, B + 100]] as const;
    expect(missingBlockRuns(spans, B, none, none)).toEqual({ runs: [[0, 2], [40, 2]], incomplete: true });
  });

  it('ignores empty spans (a chunk past the end of a shorter stem)', () => {
    expect(missingBlockRuns([[5 * B, 5 * B]], B, none, none)).toEqual({ runs: [], incomplete: false });
  });
});
