// Comments out to the DAW and back, from the comments tab: a Reaper marker list imported from a
// file becomes comments (shown in the list and on the comment strip); the Reaper export downloads
// every comment at its time.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { demoCookie, signedInContext } from './helpers';
import { createSessionAs } from './support/session-fixtures';

test.setTimeout(180_000);

test('a Reaper marker list imports as comments and the Reaper export lists them', async ({ browser, baseURL }) => {
  const cookie = await demoCookie(baseURL!);
  const id = await createSessionAs(baseURL!, 'Marker Song');
  try {
    const context = await signedInContext(browser, 'engineer', { acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`/s/${id}`);
    await expect(page.getByTestId('marker-tools')).toBeVisible({ timeout: 60_000 });
    const csv = '#,Name,Start,End,Length\nM1,"Kick, too boomy",0:01.500,,\nR1,Chorus lift,0:02.000,0:03.250,0:01.250\n';
    await page.getByTestId('import-markers').setInputFiles({ name: 'markers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect(page.getByTestId('import-note')).toHaveText('2 comments imported from the Reaper list');
    await expect(page.getByTestId('review-panel')).toContainText('Kick, too boomy');
    await page.getByTestId('import-markers').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello there') });
    await expect(page.getByTestId('import-error')).toContainText('cannot read the marker list: line 1: not a marker list');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-reaper').click()]);
    expect(download.suggestedFilename()).toBe('Marker-Song-comments.csv');
    expect(readFileSync((await download.path())!, 'utf8')).toBe('#,Name,Start,End,Length\nM1,"Demo Engineer: Kick, too boomy",0:01.500,,\nR1,"Demo Engineer: Chorus lift",0:02.000,0:03.250,0:01.250\n');
    await context.close();
  } finally {
    await fetch(`${baseURL}/api/sessions/${id}`, { method: 'DELETE', headers: { cookie } });
  }
});
