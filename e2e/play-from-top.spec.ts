import { expect, test } from '@playwright/test';
import { firstSession, masterLevelDb, openAs, resetMix, traceSignal } from './helpers';

// Tone's own synced players skipped their start at song position 0 for about one start time in
// twelve, leaving the whole playback silent (docs/engine.md, "The audio engine"). Twenty plays from the top, each
// at another AudioContext time, would have hit it with a probability of about 0.83.
test('twenty plays from the top in a row are all heard from their first moment', async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const session = await firstSession(baseURL!);
  const { page, context } = await openAs(browser, session.id, 'Theo', '#f5a524');
  await resetMix(page);
  const silent: number[] = [];
  for (let i = 0; i < 20; i++) {
    await page.getByTestId('play').click();
    await expect(page.getByTestId('pause')).toBeVisible();
    // The demo song opens with sound in every stem, so the first half second is never quiet.
    let level = -200;
    for (let tries = 0; tries < 6 && level < -60; tries++) level = await masterLevelDb(page, 150);
    if (level < -60) {
      silent.push(i);
      console.log(`play ${i + 1} silent; signal along each strip:`, JSON.stringify(await traceSignal(page)));
    }
    await page.getByTestId('stop').click();
    await expect(page.getByTestId('play')).toBeVisible();
  }
  expect(silent, 'plays (0-based) that stayed silent').toEqual([]);
  await context.close();
});
