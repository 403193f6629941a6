import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ARTIFACTS_DIR, demoCookie, openAs, signedInContext } from './helpers';
import { addDemoMember } from './support/session-fixtures';

test('the home page creates a session, and its owner deletes it: everyone in it is disconnected and it is gone', async ({ browser, baseURL }) => {
  const title = `Home e2e ${Date.now().toString(36)}`;
  const owner = await signedInContext(browser, 'engineer');
  await owner.addInitScript(() => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: 'Olga', color: '#f5a524' })));
  const home = await owner.newPage();
  await home.goto('/');

  // An empty title is refused in place; a real one opens the new (empty) session.
  await home.getByTestId('new-session-create').click();
  await expect(home.getByTestId('new-session').getByRole('alert')).toContainText('title');
  await home.getByTestId('new-session-title').fill(title);
  await home.getByTestId('new-session-create').click();
  await expect(home).toHaveURL(/\/s\/[A-Za-z0-9_-]+$/);
  await expect(home.getByTestId('session-title')).toHaveText(title);
  await expect(home.getByText('This session has no channels yet.')).toBeVisible();
  const sessionId = new URL(home.url()).pathname.split('/').pop()!;

  // Back home: the session is listed, with a delete control for its owner.
  await home.goto('/');
  const row = home.getByTestId(`session-row-${sessionId}`);
  await expect(row).toContainText(title);
  await expect(row.getByTestId('session-delete')).toBeVisible();

  // An artist of the session sees it on their home page without a delete control, and has it open.
  await addDemoMember(baseURL!, sessionId, 'artist', 'artist');
  const artistHome = await (await signedInContext(browser, 'artist')).newPage();
  await artistHome.goto('/');
  await expect(artistHome.getByTestId(`session-row-${sessionId}`)).toContainText(title);
  await expect(artistHome.getByTestId(`session-row-${sessionId}`).getByTestId('session-delete')).toHaveCount(0);
  await artistHome.context().close();
  const artist = await openAs(browser, sessionId, 'Ben', '#3ecf8e', 'artist');
  await expect(artist.page.getByTestId('sync-status')).toHaveText('Live');

  // Delete, confirming (cancel first: nothing happens).
  await row.getByTestId('session-delete').click();
  await home.getByTestId('session-delete-confirm').getByRole('button', { name: 'Cancel' }).click();
  await expect(row).toBeVisible();
  await row.getByTestId('session-delete').click();
  await expect(home.getByTestId('session-delete-confirm')).toContainText('cannot be undone');
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await home.screenshot({ path: path.join(ARTIFACTS_DIR, 'session-delete-confirm.png') });
  await home.getByTestId('session-delete-yes').click();
  await expect(home.getByTestId(`session-row-${sessionId}`)).toHaveCount(0);

  // The artist's open session is cut off at once and ends on the "doesn't exist" page.
  await expect(artist.page.getByTestId('not-found')).toBeVisible({ timeout: 15_000 });
  const api = await fetch(`${baseURL}/api/sessions/${sessionId}`, { headers: { cookie: await demoCookie(baseURL!, 'engineer') } });
  expect(api.status).toBe(404);

  await artist.context.close();
  await owner.close();
});
