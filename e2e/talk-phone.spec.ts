// Talkback on the phone layout (390×844, touch): the controls have a row of their own under the
// transport, inside the screen, thumb-sized; joining and holding Talk sends the voice.
import { expect, test } from '@playwright/test';
import { demoCookie, firstSession } from './helpers';
import { launchWithMicrophone, open, speechWav } from './support/talk';

test('talkback on a phone: Join talk and Talk are on screen, large enough to hit, and holding Talk sends the voice', async ({ baseURL }) => {
  test.setTimeout(600_000);
  const session = await firstSession(baseURL!);
  const artist = await demoCookie(baseURL!, 'artist');
  const browser = await launchWithMicrophone(speechWav());
  try {
    const context = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
    const [k, v] = artist.split('=');
    await context.addCookies([{ name: k, value: v, url: baseURL! }]);
    await context.grantPermissions(['microphone']);
    await context.addInitScript(() => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: 'Pia', color: '#8e4ec6' })));
    const page = await open(context, session.id, 'Pia', false);
    await expect(page.getByTestId('mixer')).toHaveAttribute('data-view', 'phone');

    const inScreen = async (testId: string) => {
      const box = (await page.getByTestId(testId).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      expect(box.y + box.height).toBeLessThanOrEqual(844);
      return box;
    };
    await inScreen('talk-join');
    await page.getByTestId('talk-join').tap();
    await expect(page.getByTestId('talk')).toHaveAttribute('data-state', 'on', { timeout: 30_000 });
    const talkBox = await inScreen('talk-button');
    // Thumb-sized: at least 44 × 44 CSS px (Apple's and Google's minimum touch target).
    expect(talkBox.height).toBeGreaterThanOrEqual(44);
    expect(talkBox.width).toBeGreaterThanOrEqual(44);
    await expect(page.getByTestId('talk-button')).toBeEnabled({ timeout: 30_000 });
    // Nothing sticks out sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Press and hold with a finger (touch pointer events), then lift it.
    const cx = talkBox.x + talkBox.width / 2;
    const cy = talkBox.y + talkBox.height / 2;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: cx, y: cy }] });
    await expect(page.getByTestId('talk')).toHaveAttribute('data-transmitting', 'true', { timeout: 10_000 });
    await expect(page.getByTestId('talk-button')).toHaveText('Talking…');
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect(page.getByTestId('talk')).toHaveAttribute('data-transmitting', 'false', { timeout: 10_000 });
  } finally {
    await browser.close();
  }
});
