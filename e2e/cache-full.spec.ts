import { execFileSync } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { signedInContext, waitForMixer } from './helpers';
import { createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

/**
 * When the browser will not store more of the stems (a disk near full, a private window), they
 * stream from the server into memory: every stem still plays, and plays its own samples, and the
 * header says the cache is full (docs/engine.md). The limit is set with the page's
 * "simulate a storage limit" key, below what the first second of every stem takes, so some stems'
 * headers and all later parts are held in memory, never in the browser's storage.
 */

const STEMS = [220, 330, 440];
const SECONDS = 20;
const LIMIT_MB = 2;

type Hook = {
  runtime: {
    getSnapshot(): { stems: Array<{ stem: { id: string; name: string }; status: string; error: string | null }>; health: { cacheFull?: string | null } };
    seek(s: number): void;
    play(): Promise<void>;
    library: { source(id: string): { prepare(s: number, n: number): Promise<void>; read(s: number, n: number, out: Float32Array[]): boolean } };
  };
};

/** Each channel's loudest peak (dBFS) over `ms` of playback. */
function channelPeaks(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(async (ms) => {
    const { graph, model } = window.__mixroom!;
    const ids = model.getState().channels.map((c) => c.id);
    const peaks = ids.map(() => -Infinity);
    const end = performance.now() + ms;
    while (performance.now() < end) {
      ids.forEach((id, i) => (peaks[i] = Math.max(peaks[i], graph!.readChannelLevel(id).peakDb)));
      await new Promise((r) => setTimeout(r, 50));
    }
    return peaks;
  }, ms);
}

test('with the browser refusing to store more, every stem streams from the server, plays its own samples, and the header says so', async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const sessionId = await createSessionAs(baseURL!, 'Cache full');
  const files = STEMS.map((hz) => sineWav(`Full ${hz}.wav`, hz, SECONDS));
  for (const file of files) await uploadStem(baseURL!, sessionId, file);

  const context = await signedInContext(browser);
  await context.addInitScript((mb) => {
    window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: 'Fay', color: '#30a46c' }));
    window.localStorage.setItem('mixroom:simulate-storage-limit-mb', String(mb));
  }, LIMIT_MB);
  const page = await context.newPage();
  const refusals: string[] = [];
  page.on('console', (m) => m.text().includes('local cache full') && refusals.push(m.text()));
  await page.goto(`/s/${sessionId}`);
  await waitForMixer(page);

  await expect(page.getByTestId('stream-health')).toHaveText('Cache full: streaming', { timeout: 30_000 });
  const snap = await page.evaluate(() => (window.__mixroom as unknown as Hook).runtime.getSnapshot());
  expect(snap.stems.map((s) => [s.stem.name, s.status, s.error])).toEqual(STEMS.map((hz) => [`Full ${hz}`, 'ready', null]));
  expect(snap.health.cacheFull).toContain(`limit of ${LIMIT_MB} MB`);
  expect(refusals.length).toBeGreaterThan(0);

  // Every channel sounds from the top and far past what was stored.
  for (const at of [0, 15]) {
    await page.evaluate((s) => (window.__mixroom as unknown as Hook).runtime.seek(s), at);
    await page.getByTestId('play').click();
    await expect(page.getByTestId('pause')).toBeVisible();
    await expect.poll(async () => Math.min(...(await channelPeaks(page, 600))), { timeout: 20_000, message: `every channel sounds from ${at} s` }).toBeGreaterThan(-30);
    await page.getByTestId('pause').click();
  }

  // What the worker reads for each stem 15–16 s in (held in memory, not stored) is the file's own samples.
  for (const [k, file] of files.entries()) {
    const played = await page.evaluate(async (name) => {
      const rt = (window.__mixroom as unknown as Hook).runtime;
      const id = rt.getSnapshot().stems.find((s) => s.stem.name === name)!.stem.id;
      const src = rt.library.source(id);
      await src.prepare(15 * 48000, 48000);
      const out = [new Float32Array(48000), new Float32Array(48000)];
      src.read(15 * 48000, 48000, out);
      return Array.from(out[0]);
    }, `Full ${STEMS[k]}`);
    // The file's left channel as ffmpeg decodes it (interleaved stereo float).
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-'], { maxBuffer: 1 << 26 });
    const both = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const reference = Float32Array.from({ length: 48000 }, (_, i) => both[(15 * 48000 + i) * 2]);
    let worst = 0;
    for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(played[i] - reference[i]));
    console.log(`${STEMS[k]} Hz stem, 15-16 s as the worker reads it: worst difference from ffmpeg's decode ${worst.toExponential(2)}`);
    expect(reference.length).toBe(48000);
    expect(worst, `${STEMS[k]} Hz: the samples held in memory`).toBeLessThan(1e-6);
  }
  await context.close();
});
