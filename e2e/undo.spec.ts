import { expect, test, type Browser } from '@playwright/test';
import { enterValue, grabFader, openAs } from './helpers';
import { createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

/** Alice and Bob on a session of their own with two short tones, Bass and Keys: the spec is about the controls, and two pages loading and holding the demo's six 64 s stems were most of its time. */
async function aliceAndBob(browser: Browser, baseURL: string) {
  const id = await createSessionAs(baseURL, `Undo ${Date.now().toString(36)}`);
  for (const [file, hz] of [['Bass.wav', 110], ['Keys.wav', 440]] as const) await uploadStem(baseURL, id, sineWav(file, hz, 8));
  const alice = await openAs(browser, id, 'Alice', '#e5484d');
  const bob = await openAs(browser, id, 'Bob', '#5b9cf5');
  return { alice, bob, A: alice.page, B: bob.page };
}

test('undo and redo take back only your own moves, for everyone at once', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const { A, B, alice, bob } = await aliceAndBob(browser, baseURL!);
  const bassA = A.getByTestId('fader-value-Bass');
  const bassB = B.getByTestId('fader-value-Bass');
  const keysA = A.getByTestId('fader-value-Keys');
  const keysB = B.getByTestId('fader-value-Keys');
  await expect(bassB).toHaveText('0.0 dB');

  // Alice drags the Bass fader down: one gesture, one undo step.
  await grabFader(A, 'Bass');
  await A.mouse.up();
  const dragged = (await bassA.textContent())!;
  expect(dragged).not.toBe('0.0 dB');
  await expect(bassB).toHaveText(dragged);
  await expect(A.getByTestId('undo')).toHaveAttribute('title', /^Undo Bass Fader/);
  await A.getByTestId('undo').hover();
  await A.screenshot({ path: 'test-results/artifacts/undo.png', clip: { x: 0, y: 0, width: 900, height: 160 } });

  // Bob moves Keys; then Alice undoes: her Bass comes back for both, Bob's Keys stays.
  await enterValue(B, 'fader-value-Keys', '-4');
  await expect(keysA).toHaveText('-4.0 dB');
  await A.keyboard.press('Control+z');
  await expect(bassA).toHaveText('0.0 dB');
  await expect(bassB).toHaveText('0.0 dB');
  await expect(keysA).toHaveText('-4.0 dB');
  await expect(keysB).toHaveText('-4.0 dB');

  // Redo puts her move back, everywhere.
  await expect(A.getByTestId('redo')).toBeEnabled();
  await A.keyboard.press('Control+Shift+z');
  await expect(bassB).toHaveText(dragged);

  // Bob's undo button takes back his own move only.
  await expect(B.getByTestId('undo')).toHaveAttribute('title', /^Undo Keys Fader/);
  await B.getByTestId('undo').click();
  await expect(keysA).toHaveText('0.0 dB');
  await expect(bassA).toHaveText(dragged);
  await expect(B.getByTestId('undo')).toBeDisabled();

  await A.getByTestId('undo').click(); // Alice's Bass drag again, so the next spec starts clean
  await expect(bassB).toHaveText('0.0 dB');

  // "?" lists the shortcuts, undo among them; Escape closes the list.
  await A.keyboard.press('Shift+Slash');
  const shortcuts = A.getByTestId('shortcuts-dialog');
  await expect(shortcuts).toContainText('Undo your last mix move (only yours)');
  await A.keyboard.press('Space'); // the list is modal: playback does not start behind it
  await A.waitForTimeout(500);
  await expect(A.getByTestId('transport-state')).toContainText('STOPPED');
  await A.screenshot({ path: 'test-results/artifacts/shortcuts.png' });
  await A.keyboard.press('Escape');
  await expect(shortcuts).toBeHidden();
  await A.getByTestId('shortcuts-button').click();
  await expect(shortcuts).toBeVisible();
  await A.keyboard.press('Escape');
  await expect(shortcuts).toBeHidden();
  await alice.context.close();
  await bob.context.close();
});
