import { STEM_RANGES_HEADER, type StemRangePart } from '@mixroom/protocol';
import { describe, expect, it } from 'vitest';
import { BatchUnavailableError, StemRangeBatcher, type RangeWant } from './stem-ranges';

const fileOf = (stemId: string) => Uint8Array.from({ length: 5000 }, (_, i) => (i * 7 + stemId.charCodeAt(0)) & 255);

type Asked = { parts: Array<{ stemId: string; from: number; to: number }> };

/** The parts a batched request asked for. */
const askedFor = (init: RequestInit) => JSON.parse(init.body as string) as Asked;

/** The ranges route's answer for `parts` over fixed files, its body cut into `chunk`-byte pieces. */
function answer(body: Asked, opts: { chunk: number; cutAt?: number; missing?: string }): Response {
  const header: StemRangePart[] = [];
  const bytes: number[] = [];
  for (const p of body.parts) {
    if (p.stemId === opts.missing) {
      header.push({ error: `unknown stem ${p.stemId}` });
      continue;
    }
    const file = fileOf(p.stemId);
    const slice = file.subarray(p.from, Math.min(p.to, file.length));
    header.push({ length: slice.length, total: file.length });
    bytes.push(...slice);
  }
  const all = Uint8Array.from(bytes).subarray(0, opts.cutAt ?? bytes.length);
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= all.length) return controller.close();
      controller.enqueue(all.slice(at, at + opts.chunk));
      at += opts.chunk;
    },
  });
  return new Response(stream, { status: 200, headers: { [STEM_RANGES_HEADER]: encodeURIComponent(JSON.stringify(header)) } });
}

function want(stemId: string, from: number, to: number, urgent = false, first = false) {
  const file = new Uint8Array(5000);
  let total = 0;
  const w: RangeWant = { stemId, from, to, urgent, first, onTotal: (t) => (total = t), onBytes: (b, at) => file.set(b, at) };
  return { w, file, total: () => total };
}

describe('StemRangeBatcher', () => {
  it('asks for the ranges of one moment in one request and hands each part its bytes, across any chunking', async () => {
    const calls: Array<{ parts: Array<{ stemId: string; from: number; to: number }> }> = [];
    const batcher = new StemRangeBatcher('/api/sessions/s/stems/ranges', async (_url, init) => {
      const body = askedFor(init);
      calls.push(body);
      return answer(body, { chunk: 7, missing: 'ghost' });
    });
    const a = want('a', 100, 1100);
    const ghost = want('ghost', 0, 10);
    const b = want('b', 4500, 6000); // past the end: clamped to the file
    const results = await Promise.allSettled([a, ghost, b].map((x) => batcher.request(x.w)));
    expect(calls).toHaveLength(1);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([1000, 'unknown stem ghost', 500]);
    expect(a.file.subarray(100, 1100)).toEqual(fileOf('a').subarray(100, 1100));
    expect(b.file.subarray(4500, 5000)).toEqual(fileOf('b').subarray(4500));
    expect([a.total(), b.total()]).toEqual([5000, 5000]);
  });

  it('an answer that ends early settles the parts it carried and sends the rest to be fetched alone', async () => {
    const batcher = new StemRangeBatcher('/r', async (_url, init) => answer(askedFor(init), { chunk: 64, cutAt: 1500 }));
    const first = want('a', 0, 1000);
    const second = want('b', 0, 1000);
    const results = await Promise.allSettled([batcher.request(first.w), batcher.request(second.w)]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 1000 });
    expect(results[1].status).toBe('rejected');
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(BatchUnavailableError);
  });

  it('a server without the route is not asked again', async () => {
    let calls = 0;
    const batcher = new StemRangeBatcher('/r', async () => {
      calls++;
      return new Response(JSON.stringify({ error: { code: 'not_found', message: 'no API route /r' } }), { status: 404 });
    });
    await expect(batcher.request(want('a', 0, 10).w)).rejects.toBeInstanceOf(BatchUnavailableError);
    await expect(batcher.request(want('a', 10, 20).w)).rejects.toBeInstanceOf(BatchUnavailableError);
    expect(calls).toBe(1);
  });

  it('sends the playhead first, splits by parts and bytes, and keeps few requests in flight', async () => {
    const sent: string[][] = [];
    let inFlight = 0;
    let most = 0;
    const batcher = new StemRangeBatcher(
      '/r',
      async (_url, init) => {
        const body = askedFor(init);
        sent.push(body.parts.map((p) => p.stemId));
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return answer(body, { chunk: 512 });
      },
      { maxParts: 2, maxBytes: 250, maxRequests: 2, urgentRequests: 0 },
    );
    const later = ['l1', 'l2', 'l3'].map((id) => batcher.request(want(id, 0, 100).w));
    const now = ['n1', 'n2'].map((id) => batcher.request(want(id, 0, 100, true).w));
    const big = batcher.request(want('big', 0, 400).w); // over maxBytes: a batch of its own
    await Promise.all([...later, ...now, big]);
    expect(sent).toEqual([['n1', 'n2'], ['l1', 'l2'], ['l3'], ['big']]);
    expect(most).toBe(2);
  });

  it("a seek's parts take a spare lane at once instead of waiting for the read-ahead on its way", async () => {
    const sent: string[][] = [];
    const release: Array<() => void> = [];
    let released = false;
    const batcher = new StemRangeBatcher(
      '/r',
      async (_url, init) => {
        const body = askedFor(init);
        sent.push(body.parts.map((p) => p.stemId));
        // Read-ahead answers stay on their way until released; the seek's answer comes at once.
        if (!released && !body.parts[0].stemId.startsWith('seek')) await new Promise<void>((r) => release.push(r));
        return answer(body, { chunk: 512 });
      },
      { maxParts: 2, maxRequests: 2, urgentRequests: 1 },
    );
    const ahead = ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => batcher.request(want(id, 0, 100).w));
    await new Promise((r) => setTimeout(r, 5));
    expect(sent).toEqual([['a1', 'a2'], ['a3', 'a4']]);
    const seek = ['seek1', 'seek2', 'seek3'].map((id) => batcher.request(want(id, 0, 100, true).w));
    const first = await Promise.race([Promise.all(seek.slice(0, 2)).then(() => 'seek'), new Promise((r) => setTimeout(() => r('waited'), 200))]);
    expect(first).toBe('seek');
    // The spare lane is urgent-only: the rest of the read-ahead still waits for a regular one.
    await new Promise((r) => setTimeout(r, 5));
    expect(sent.slice(2)).toEqual([['seek1', 'seek2'], ['seek3']]);
    released = true;
    while (release.length) release.shift()!();
    await Promise.all([...ahead, ...seek]);
    expect(sent.at(-1)).toEqual(['a5']);
  });

  it("a seek's first bytes of every stem go out first, in batches of their own, with the connection to themselves", async () => {
    const sent: string[][] = [];
    let inFlight = 0;
    let firstBatchesInFlight = 0;
    let sentBesideFirst = 0;
    const batcher = new StemRangeBatcher(
      '/r',
      async (_url, init) => {
        const body = askedFor(init);
        const first = body.parts[0].from === 100;
        sent.push(body.parts.map((p) => `${p.stemId}@${p.from}`));
        if (!first && firstBatchesInFlight > 0) sentBesideFirst++;
        inFlight++;
        if (first) firstBatchesInFlight++;
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (first) firstBatchesInFlight--;
        return answer(body, { chunk: 512 });
      },
      { maxParts: 3, maxRequests: 4, urgentRequests: 0 },
    );
    // Each stem's urgent run asked for as a seek asks: the bytes before its first bytes, the first
    // bytes, the bytes after; a read-ahead part was queued before them.
    const parts = [batcher.request(want('ahead', 0, 100).w)];
    for (const id of ['a', 'b', 'c', 'd']) {
      parts.push(batcher.request(want(id, 0, 100, true).w), batcher.request(want(id, 100, 200, true, true).w), batcher.request(want(id, 200, 300, true).w));
    }
    await Promise.all(parts);
    expect(sent.slice(0, 2)).toEqual([['a@100', 'b@100', 'c@100'], ['d@100']]);
    expect(sent.slice(2, 5)).toEqual([['a@0', 'a@200', 'b@0'], ['b@200', 'c@0', 'c@200'], ['d@0', 'd@200']]);
    expect(sent.at(-1)).toEqual(['ahead@0']);
    expect(sentBesideFirst).toBe(0);
    expect(inFlight).toBe(0);
  });

  it('read-ahead on its way stops when a sound waits for its first bytes, and keeps what it received', async () => {
    const sent: string[][] = [];
    let stalled: Promise<void> = Promise.resolve();
    const batcher = new StemRangeBatcher(
      '/r',
      async (_url, init) => {
        const body = askedFor(init);
        sent.push(body.parts.map((p) => p.stemId));
        if (body.parts[0].stemId !== 'ahead') return answer(body, { chunk: 512 });
        // The read-ahead's answer sends its first 150 bytes, then nothing until it is stopped.
        const full = await answer(body, { chunk: 150 }).arrayBuffer();
        let reject: (e: Error) => void = () => undefined;
        stalled = new Promise<void>((_, r) => (reject = r)).catch(() => undefined);
        init.signal!.addEventListener('abort', () => reject(new Error('aborted')));
        let sentOnce = false;
        const stream = new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (!sentOnce) {
              sentOnce = true;
              return controller.enqueue(new Uint8Array(full.slice(0, 150)));
            }
            await new Promise<void>((_, r) => init.signal!.addEventListener('abort', () => r(new DOMException('aborted', 'AbortError'))));
          },
        });
        return new Response(stream, { status: 200, headers: { [STEM_RANGES_HEADER]: encodeURIComponent(JSON.stringify(body.parts.map(() => ({ length: 100, total: 5000 })))) } });
      },
      { maxParts: 4, maxRequests: 1, urgentRequests: 1 },
    );
    const ahead = [want('ahead', 0, 100), want('ahead', 100, 200), want('ahead', 200, 300)];
    ahead.forEach((a) => (a.w.mayYield = true));
    const aheadDone = ahead.map((a) => batcher.request(a.w));
    await new Promise((r) => setTimeout(r, 20));
    const seek = want('seek', 1000, 1100, true, true);
    expect(await batcher.request(seek.w)).toBe(100);
    // The read-ahead's first part had arrived whole, its second half: they say so; the third had nothing.
    expect(await Promise.all(aheadDone)).toEqual([100, 50, 0]);
    expect(ahead[0].file.subarray(0, 100)).toEqual(fileOf('ahead').subarray(0, 100));
    expect(seek.file.subarray(1000, 1100)).toEqual(fileOf('seek').subarray(1000, 1100));
    await stalled;
    expect(sent).toEqual([['ahead', 'ahead', 'ahead'], ['seek']]);
  });
});
