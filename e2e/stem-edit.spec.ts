import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ARTIFACTS_DIR, openAs } from './helpers';
import { addDemoMember, createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

/** The channels of the live mix as this browser's model has them. */
const channels = (page: Page) =>
  page.evaluate(() => (window as unknown as { __mixroom: { model: { getState(): { channels: Array<{ id: string; name: string; stemId: string }> } } } }).__mixroom.model.getState().channels.map((c) => ({ name: c.name, stemId: c.stemId })));
/** Load state of one stem in this browser (its audio downloaded and decoded = 'ready'). */
const stemStatus = (page: Page, stemId: string) =>
  page.evaluate((id) => (window as unknown as { __mixroom: { runtime: { getSnapshot(): { stems: Array<{ stem: { id: string }; status: string }> } } } }).__mixroom.runtime.getSnapshot().stems.find((s) => s.stem.id === id)?.status ?? 'absent', stemId);

test('rename, new take with progress, take history and restore, remove: a second browser follows each live; an artist gets no stem controls', async ({ browser, baseURL }) => {
  const sessionId = await createSessionAs(baseURL!, 'Stem edits e2e');
  const firstTake = await uploadStem(baseURL!, sessionId, sineWav('Bass.wav', 110));
  await addDemoMember(baseURL!, sessionId, 'artist', 'artist');
  const secondTakeFile = sineWav('Bass take 2.wav', 82.5, 4);

  const ana = await openAs(browser, sessionId, 'Ana', '#e5484d', 'engineer'); // owner
  const ben = await openAs(browser, sessionId, 'Ben', '#3ecf8e', 'artist');
  const A = ana.page;
  const B = ben.page;
  await expect(B.getByTestId('lane-name-Bass')).toBeVisible();
  // The artist may mix but not manage stems (packages/protocol/src/roles.ts): no stem controls.
  await expect(B.getByTestId('stem-edit-Bass')).toHaveCount(0);
  await expect(B.getByTestId('upload-button')).toHaveCount(0);

  // Rename.
  await A.getByTestId('stem-edit-Bass').click();
  const panel = A.getByTestId('stem-panel');
  await expect(panel.getByTestId('take')).toHaveCount(1);
  await panel.getByTestId('stem-rename-input').fill('Upright Bass');
  await panel.getByTestId('stem-rename-save').click();
  await expect(B.getByTestId('lane-name-Upright-Bass')).toBeVisible();
  await expect(B.getByTestId('strip-Upright-Bass')).toBeVisible();
  expect(await channels(B)).toEqual([{ name: 'Upright Bass', stemId: firstTake }]);

  // Replace with a new take: the upload shows progress in the panel, then both browsers switch to it.
  await panel.getByTestId('stem-new-take-input').setInputFiles(secondTakeFile);
  const upload = panel.getByTestId('stem-take-upload');
  await expect(upload).toBeVisible();
  await expect(upload.locator('progress')).toBeVisible();
  await expect(upload).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(panel.getByTestId('take')).toHaveCount(2);
  const current = panel.locator('[data-testid="take"][data-current="true"]');
  await expect(current).toContainText('Bass take 2.wav');
  const secondTake = await current.getAttribute('data-take');
  expect(secondTake).not.toBe(firstTake);
  // Ben did nothing: the channel (same name, same fader) now plays the new take, downloaded and decoded.
  await expect.poll(() => channels(B), { timeout: 30_000 }).toEqual([{ name: 'Upright Bass', stemId: secondTake }]);
  await expect.poll(() => stemStatus(B, secondTake!), { timeout: 60_000 }).toBe('ready');
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await A.screenshot({ path: path.join(ARTIFACTS_DIR, 'stem-panel.png') });

  // History: restore the first take.
  await panel.locator(`[data-testid="take"][data-take="${firstTake}"]`).getByTestId('take-restore').click();
  await expect(panel.locator('[data-testid="take"][data-current="true"]')).toHaveAttribute('data-take', firstTake);
  await expect.poll(() => channels(B), { timeout: 30_000 }).toEqual([{ name: 'Upright Bass', stemId: firstTake }]);

  // Remove, after confirming; cancelling first changes nothing.
  await panel.getByTestId('stem-remove').click();
  await A.getByTestId('stem-remove-confirm').getByRole('button', { name: 'Cancel' }).click();
  expect(await channels(B)).toHaveLength(1);
  await panel.getByTestId('stem-remove').click();
  await A.getByTestId('stem-remove-yes').click();
  await expect(A.getByTestId('stem-panel')).toHaveCount(0);
  await expect(B.getByText('This session has no channels yet.')).toBeVisible();
  await expect(B.getByTestId('lane-name-Upright-Bass')).toHaveCount(0);

  await ana.context.close();
  await ben.context.close();
});
