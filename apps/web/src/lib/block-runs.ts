/**
 * The blocks of a stem's cached file that byte ranges `spans` ([from, to) each) cover and that are
 * neither cached nor on their way, as runs of consecutive blocks [first, count], lowest first;
 * `incomplete` when any covered block is not cached yet (on its way or not).
 */
export function missingBlockRuns(
  spans: ReadonlyArray<readonly [number, number]>,
  blockBytes: number,
  cached: (block: number) => boolean,
  onItsWay: (block: number) => boolean,
): { runs: Array<[number, number]>; incomplete: boolean } {
  const needed = new Set<number>();
  for (const [from, to] of spans) {
    if (to <= from) continue;
    for (let b = Math.floor(from / blockBytes); b <= Math.floor((to - 1) / blockBytes); b++) if (!cached(b)) needed.add(b);
  }
  const runs: Array<[number, number]> = [];
  for (const b of [...needed].sort((x, y) => x - y)) {
    if (onItsWay(b)) continue;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === b) last[1]++;
    else runs.push([b, 1]);
  }
  return { runs, incomplete: needed.size > 0 };
}
