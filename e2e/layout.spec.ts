import { expect, test, type Page } from '@playwright/test';
import { firstSession, openAs } from './helpers';

/** Channel strips whose whole width is on screen (the console scrolls sideways beside the master). */
async function stripsInView(page: Page): Promise<number> {
  return page.evaluate(() => {
    const strips = [...document.querySelectorAll('.console-strips > .strip')];
    const box = document.querySelector('.console-strips')!.getBoundingClientRect();
    return strips.filter((s) => {
      const r = s.getBoundingClientRect();
      return r.width > 0 && r.left >= box.left - 1 && r.right <= Math.min(box.right, window.innerWidth) + 1;
    }).length;
  });
}

test('hiding the review column shows more channel strips, is remembered, and C brings it back', async ({ browser, baseURL }) => {
  // Decoding six stems, twice (a reload), on a shared 2-core machine.
  test.setTimeout(420_000);
  const session = await firstSession(baseURL!);
  const { context, page } = await openAs(browser, session.id, 'Layla', '#4cc38a');
  await page.setViewportSize({ width: 1440, height: 900 });

  await expect(page.getByTestId('review-panel')).toBeVisible();
  // The demo's six strips all fit beside the review column now (it was one and a half).
  const withReview = await stripsInView(page);
  expect(withReview).toBe(await page.locator('.console-strips > .strip').count());
  const stripsWidth = () => page.evaluate(() => document.querySelector('.console-strips')!.getBoundingClientRect().width);
  const widthWithReview = await stripsWidth();

  await page.getByTestId('review-toggle').click();
  await expect(page.getByTestId('review-panel')).toHaveCount(0);
  await expect(page.getByTestId('review-toggle')).toHaveAttribute('aria-expanded', 'false');
  // Hiding the column gives its width to the strips.
  await expect.poll(stripsWidth).toBeGreaterThan(widthWithReview + 250);
  console.log(`strips fully in view at 1440 px: ${withReview} with the review column; strip area ${Math.round(widthWithReview)} → ${Math.round(await stripsWidth())} px without`);

  // The choice is per browser and survives a reload.
  await page.reload();
  await expect(page.getByTestId('mixer')).toHaveAttribute('data-synced', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('review-toggle')).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByTestId('review-panel')).toHaveCount(0);

  // Starting a comment at the playhead opens the column with the comment form.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('c');
  await expect(page.getByTestId('review-panel')).toBeVisible();
  await expect(page.getByTestId('comment-input')).toBeFocused();
  await expect(page.getByTestId('review-toggle')).toHaveAttribute('aria-expanded', 'true');
  await context.close();
});
