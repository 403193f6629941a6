import { expect, test, type Page } from '@playwright/test';
import { expectAudible, firstSession, openAs, resetMix } from './helpers';

/**
 * While the mix plays, everything that moves — meters, gain reduction, the navigator's level
 * lines, the position figure and the playhead — is drawn on canvases, by the paint worker. The
 * page itself must then ask for no animation frame and need no layout and no repaint: each of
 * those, with 48 strips and lanes on screen, cost the main thread tens of milliseconds and kept it
 * busy all the time (issue 16). Counted from a Chromium
 * trace, so the check does not depend on how busy the machine is.
 */
async function lifecycleWork(page: Page, ms: number): Promise<{ layouts: number; paints: number; styleRecalcs: number; frames: number; commits: number }> {
  const cdp = await page.context().newCDPSession(page);
  const events: Array<{ name: string; ph: string; pid: number; tid: number; args?: { name?: string } }> = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as typeof events)));
  const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  await page.waitForTimeout(ms);
  await cdp.send('Tracing.end');
  await done;
  await cdp.detach();
  const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const count = (name: string) => events.filter((e) => e.name === name && main.has(`${e.pid}:${e.tid}`) && (e.ph === 'X' || e.ph === 'B')).length;
  return { layouts: count('Layout'), paints: count('Paint'), styleRecalcs: count('UpdateLayoutTree'), frames: count('FireAnimationFrame'), commits: count('Commit') };
}

test('playing the mix with every meter moving needs no layout and no repaint of the page', async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const session = await firstSession(baseURL!);
  const { page, context } = await openAs(browser, session.id, 'Quiet', '#2fbf71');
  await resetMix(page);
  // The stacked view shows lanes, playhead, navigator and strips at once; a compressor on every
  // channel and the master's glue make every gain-reduction meter move too.
  await page.getByRole('radio', { name: 'Both' }).click();
  await page.evaluate(() => {
    const m = window.__mixroom!.model;
    m.doc.transact(() => {
      for (const c of m.getState().channels) {
        m.setParam({ kind: 'channel', channelId: c.id }, 'comp.on', 1);
        m.setParam({ kind: 'channel', channelId: c.id }, 'comp.threshold', -30);
      }
      m.setParam({ kind: 'master' }, 'glue.on', 1);
    });
  });
  // Steady playback: the header's "Caching N%" changes once a second until every stem is in this
  // browser's cache, a repaint each time (the demo's stems take a few seconds).
  await expect(page.getByTestId('stream-health')).toHaveText('Cached', { timeout: 120_000 });
  await page.getByTestId('loop').click();
  await page.getByTestId('play').click();
  await expectAudible(page);
  // Compressors working, and the meters and figures showing it.
  await expect.poll(async () => Number(await page.locator('[data-testid^="gr-mini-"]').first().getAttribute('data-gr')), { timeout: 10_000 }).toBeGreaterThan(0.5);
  await expect.poll(async () => Number(await page.getByTestId('master-meter').getAttribute('data-peak-db')), { timeout: 10_000 }).toBeGreaterThan(-40);
  const before = await page.getByTestId('position').getAttribute('data-time');
  // What the paint worker has drawn so far (it draws meters, playhead and position figure).
  const drawnBatches = () =>
    page.evaluate(async () => {
      const paint = (window as unknown as { __mixroomPaint?: { mode: string; probe(c: HTMLCanvasElement, x: number, y: number): Promise<{ batches: number } | null> } }).__mixroomPaint;
      const canvas = document.querySelector<HTMLCanvasElement>('canvas.meter-board-canvas');
      return { mode: paint?.mode ?? 'none', batches: paint && canvas ? ((await paint.probe(canvas, 0, 0))?.batches ?? -1) : -1, at: performance.now() };
    });
  const drawnBefore = await drawnBatches();
  expect(drawnBefore.mode).toBe('worker');

  const work = await lifecycleWork(page, 4000);
  const drawnAfter = await drawnBatches();
  // The trace's start and end take their own time: the worker's rate is over the time between the readings.
  const drawnPerSecond = ((drawnAfter.batches - drawnBefore.batches) * 1000) / (drawnAfter.at - drawnBefore.at);
  console.log('4 s of playback:', JSON.stringify(work), `paint worker: ${drawnPerSecond.toFixed(1)} drawings/s`);
  // Still playing and drawing: the figure moved, and the paint worker drew at the meters' rate
  // (30 a second; a loaded machine gives fewer).
  await expect(page.getByTestId('position')).not.toHaveAttribute('data-time', before!);
  expect(drawnPerSecond).toBeGreaterThan(5);
  expect(drawnPerSecond).toBeLessThanOrEqual(34);
  // The page itself asks for no animation frame: each one was a lifecycle update and a commit of
  // the whole console, 30 a second (a third of the main thread with 48 strips). A stray few are
  // allowed (a status line changing its text, a tooltip).
  expect(work.frames).toBeLessThanOrEqual(4);
  // (Before the canvases, a 48-stem session laid out 5–10 times and painted 10–40 times a second.)
  expect(work.layouts).toBeLessThanOrEqual(2);
  expect(work.paints).toBeLessThanOrEqual(4);
  await resetMix(page);
  await context.close();
});
