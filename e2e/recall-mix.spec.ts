import { expect, test, type Browser } from '@playwright/test';
import { enterValue, openAs } from './helpers';
import { createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

/** Alice and Bob on a session of their own with two short tones, Bass and Keys: the spec is about the controls, and two pages loading and holding the demo's six 64 s stems were most of its time. */
async function aliceAndBob(browser: Browser, baseURL: string) {
  const id = await createSessionAs(baseURL, `Recall mix ${Date.now().toString(36)}`);
  for (const [file, hz] of [['Bass.wav', 110], ['Keys.wav', 440]] as const) await uploadStem(baseURL, id, sineWav(file, hz, 8));
  const alice = await openAs(browser, id, 'Alice', '#e5484d');
  const bob = await openAs(browser, id, 'Bob', '#5b9cf5');
  return { alice, bob, A: alice.page, B: bob.page };
}

// Issue 17 #2: "Recall mix" played the comment's mix while the faders showed the live values.
test('recall mix: the console shows the recalled values, marked and read-only, while live moves sync underneath', async ({ browser, baseURL }) => {
  test.setTimeout(300_000);
  const { alice, bob, A, B } = await aliceAndBob(browser, baseURL!);
  const bassValue = (page: typeof A) => page.getByTestId('fader-value-Bass');

  // Alice's comment is posted with Bass at -6 dB; then the live mix moves on to -1 dB.
  await enterValue(A, 'fader-value-Bass', '-6');
  await expect(bassValue(B)).toHaveText('-6.0 dB');
  await A.getByTestId('tab-comments').click();
  await A.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await A.keyboard.press('KeyC');
  await A.getByTestId('comment-input').fill('Low end balance at -6');
  await A.getByTestId('comment-submit').click();
  const thread = A.getByTestId('comment-thread').filter({ hasText: 'Low end balance at -6' });
  await expect(thread).toBeVisible();
  await enterValue(A, 'fader-value-Bass', '-1');
  await expect(bassValue(A)).toHaveText('-1.0 dB');

  await thread.getByTestId('recall-mix').click();
  await expect(A.getByTestId('recall-banner')).toBeVisible();
  await expect(bassValue(A)).toHaveText('-6.0 dB');
  await expect(A.getByTestId('recall-banner')).toContainText('Recalled: the mixer shows and plays');
  await expect(A.getByRole('region', { name: /recalled, read-only/ })).toHaveAttribute('data-recalled', 'true');

  // Bob moves Bass live: Alice still sees (and hears) the recall, and gets Bob's move back with it.
  await enterValue(B, 'fader-value-Bass', '-2');
  await expect(bassValue(B)).toHaveText('-2.0 dB');
  await expect.poll(() => A.evaluate(() => {
    const rt = (window as unknown as { __mixroom: { model: { getState(): { channels: Array<{ name: string; gain: number }> } } } }).__mixroom;
    return rt.model.getState().channels.find((c) => c.name === 'Bass')?.gain;
  })).toBeCloseTo(-2, 3);
  await expect(bassValue(A)).toHaveText('-6.0 dB');

  await A.getByTestId('back-to-live').click();
  await expect(A.getByTestId('recall-banner')).toHaveCount(0);
  await expect(A.getByRole('region', { name: 'Mixer' })).toHaveAttribute('data-recalled', 'false');
  await expect(bassValue(A)).toHaveText('-2.0 dB');
  await alice.context.close();
  await bob.context.close();
});
