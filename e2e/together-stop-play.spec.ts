import { expect, test } from '@playwright/test';
import { openAs } from './helpers';
import { createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

// Issue 17 #1: with "Listen together" on, Stop then Play left both pages reading STOPPED with a
// Play button while the audio played, so Play/Space restarted instead of pausing.
test('listen together: after Stop then Play both pages say PLAYING, and Space pauses the group', async ({ browser, baseURL }) => {
  test.setTimeout(300_000);
  // A session of its own, two 30 s tones: the story is the transport's, and the demo's six 64 s
  // stems were most of this spec's time (two pages loading them).
  const session = { id: await createSessionAs(baseURL!, `Together stop play ${Date.now().toString(36)}`) };
  for (const [file, hz] of [['Bass.wav', 110], ['Keys.wav', 440]] as const) await uploadStem(baseURL!, session.id, sineWav(file, hz, 30));
  const ana = await openAs(browser, session.id, 'Ana', '#e5484d');
  const ben = await openAs(browser, session.id, 'Ben', '#3ecf8e');
  const [A, B] = [ana.page, ben.page];
  for (const page of [A, B]) {
    await page.getByTestId('together').click();
    await expect(page.getByTestId('together')).toHaveAttribute('aria-pressed', 'true');
  }
  const state = (page: typeof A) => page.getByTestId('transport-state');
  const toneState = (page: typeof A) => page.evaluate(() => (window as unknown as { __mixroom: { transport: { state: string } } }).__mixroom.transport.state);

  // Start from Stop (the group's shared transport outlives a page: a session may already be playing).
  await A.getByTestId('stop').click();
  for (const page of [A, B]) await expect(page.getByTestId('play')).toBeVisible({ timeout: 15_000 });
  await A.getByTestId('play').click();
  for (const page of [A, B]) await expect(state(page)).toHaveText(/^PLAYING/, { timeout: 15_000 });

  await A.getByTestId('stop').click();
  for (const page of [A, B]) await expect(state(page)).toHaveText(/^STOPPED/, { timeout: 15_000 });

  await A.getByTestId('play').click();
  for (const page of [A, B]) {
    await expect.poll(() => toneState(page), { timeout: 15_000 }).toBe('started');
    await expect(state(page)).toHaveText(/^PLAYING/);
    await expect(page.getByTestId('pause')).toBeVisible();
  }

  // Space on Ben's page pauses everyone (it restarted playback before the fix).
  await B.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await B.keyboard.press('Space');
  for (const page of [A, B]) {
    await expect(state(page)).toHaveText(/^PAUSED/, { timeout: 15_000 });
    await expect.poll(() => toneState(page), { timeout: 15_000 }).toBe('paused');
  }
  await ana.context.close();
  await ben.context.close();
});
