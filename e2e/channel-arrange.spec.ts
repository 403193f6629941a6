import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { ARTIFACTS_DIR, openAs } from './helpers';
import { addDemoMember, createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

// Issue 17: channels can be reordered by drag and coloured, for everyone (the mix document), with
// a keyboard way to do the same; the default stays file-name order.

const stripOrder = (p: Page) => p.locator('.console-strips > .strip .strip-name-text').allTextContents();
const navOrder = (p: Page) => p.locator('.channel-nav-item .channel-nav-name').allTextContents();
// Track lanes only: the FX return and master rows sit under the tracks with lane heads of their own.
const laneOrder = (p: Page) => p.locator('.lane-head:not(.bus-head) .lane-name').allTextContents();
const cssVar = (l: Locator, name: string) => l.evaluate((el, n) => getComputedStyle(el).getPropertyValue(n).trim(), name);

/** Drags with the mouse from the centre of `from` to `x` (and the centre height of `from`), in steps as a hand would. */
async function dragTo(page: Page, from: Locator, x: number): Promise<void> {
  const b = (await from.boundingBox())!;
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2 + Math.sign(x - b.x) * 10, b.y + b.height / 2, { steps: 2 });
  await page.mouse.move(x, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
}

test.setTimeout(240_000);

test('two browsers: A drags a channel, B sees the new order; B (artist) moves and colours one by keyboard, A sees it; it survives a reload', async ({ browser, baseURL }) => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const sessionId = await createSessionAs(baseURL!, `Arrange ${Date.now()}`);
  await addDemoMember(baseURL!, sessionId, 'artist', 'artist');
  // Uploaded in this order; shown by file name: Bass, Keys, Kick, Snare.
  for (const [name, hz] of [['Snare.wav', 330], ['Kick.wav', 55], ['Keys.wav', 440], ['Bass.wav', 110]] as const) await uploadStem(baseURL!, sessionId, sineWav(name, hz, 2));
  const { context: ca, page: A } = await openAs(browser, sessionId, 'Ana', '#e5484d');
  const { context: cb, page: B } = await openAs(browser, sessionId, 'Ben', '#5b9cf5', 'artist');
  for (const p of [A, B]) {
    await p.getByTestId('view-both').click();
    await expect.poll(() => stripOrder(p)).toEqual(['Bass', 'Keys', 'Kick', 'Snare']);
  }
  expect(await laneOrder(A)).toEqual(['Bass', 'Keys', 'Kick', 'Snare']);

  // A drags Snare's strip by its grip to the left of Bass.
  const bassBox = (await A.getByTestId('strip-Bass').boundingBox())!;
  await dragTo(A, A.getByTestId('grip-Snare'), bassBox.x + 8);
  await expect.poll(() => stripOrder(A)).toEqual(['Snare', 'Bass', 'Keys', 'Kick']);
  // B's console, navigator and lanes follow.
  await expect.poll(() => stripOrder(B), { timeout: 5000 }).toEqual(['Snare', 'Bass', 'Keys', 'Kick']);
  expect(await navOrder(B)).toEqual(['Snare', 'Bass', 'Keys', 'Kick']);
  await expect.poll(() => laneOrder(B)).toEqual(['Snare', 'Bass', 'Keys', 'Kick']);
  // The drag did not open Snare's detail panel.
  await expect(A.getByTestId('detail-panel')).not.toHaveAttribute('data-scope', 'Snare');

  // B, keyboard only: the strip's menu moves Kick left, then colours Bass teal.
  await B.getByTestId('strip-menu-Kick').focus();
  await B.keyboard.press('Enter');
  await expect(B.getByTestId('strip-menu-panel-Kick')).toBeVisible();
  await expect(B.getByTestId('move-left-Kick')).toBeFocused();
  await B.keyboard.press('Enter');
  await expect.poll(() => stripOrder(B)).toEqual(['Snare', 'Bass', 'Kick', 'Keys']);
  await expect.poll(() => stripOrder(A), { timeout: 5000 }).toEqual(['Snare', 'Bass', 'Kick', 'Keys']);
  await B.getByTestId('strip-menu-Bass').click();
  await B.getByTestId('color-teal-Bass').click();
  for (const p of [A, B]) {
    await expect.poll(() => cssVar(p.getByTestId('strip-Bass'), '--strip-color'), { timeout: 5000 }).toBe('#3dd6d0');
    expect(await cssVar(p.getByTestId('nav-Bass'), '--chip-color')).toBe('#3dd6d0');
    expect(await cssVar(p.locator('.lane-head').filter({ hasText: 'Bass' }), '--lane-color')).toBe('#3dd6d0');
  }

  // A drags a navigator chip (Keys) to the front; Alt+→ on a chip moves it one place.
  const first = (await A.getByTestId('nav-Snare').boundingBox())!;
  await dragTo(A, A.getByTestId('nav-Keys'), first.x + 4);
  await expect.poll(() => navOrder(B), { timeout: 5000 }).toEqual(['Keys', 'Snare', 'Bass', 'Kick']);
  await A.getByTestId('nav-Keys').focus();
  await A.keyboard.press('Alt+ArrowRight');
  await expect.poll(() => stripOrder(B), { timeout: 5000 }).toEqual(['Snare', 'Keys', 'Bass', 'Kick']);
  await A.screenshot({ path: path.join(ARTIFACTS_DIR, 'channel-arrange.png') });

  // Stored in the session's mix: a reload shows the same order and colour.
  await B.reload();
  await expect.poll(() => stripOrder(B), { timeout: 60_000 }).toEqual(['Snare', 'Keys', 'Bass', 'Kick']);
  expect(await cssVar(B.getByTestId('strip-Bass'), '--strip-color')).toBe('#3dd6d0');
  await ca.close();
  await cb.close();
});
