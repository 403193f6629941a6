import { expect, test } from '@playwright/test';
import { signedInContext } from './helpers';
import { addDemoMember, createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

/** A demo account's browser on the session page with the review panel open on Comments. */
async function open(browser: Parameters<typeof signedInContext>[0], sessionId: string, who: 'engineer' | 'artist') {
  const context = await signedInContext(browser, who);
  // A profile that already picked its display name, so the "who's mixing?" dialog stays closed.
  await context.addInitScript(([n]) => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: n, color: '#5b9cf5' })), [who] as const);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${who}] page error: ${e.message}`));
  await page.goto(`/s/${sessionId}`);
  await expect(page.getByTestId('mixer')).toHaveAttribute('data-synced', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('review-panel')).toBeVisible();
  await page.getByTestId('tab-comments').click();
  return { context, page };
}

test('authors edit their own comment text; everyone sees the new text live, marked edited; others cannot edit it', async ({ browser, baseURL }) => {
  // A session of its own (one short tone, the demo artist a member): comments need a song to pin
  // to, not the demo's six 64 s stems, which both pages went on loading throughout.
  const session = { id: await createSessionAs(baseURL!, `Review edit ${Date.now().toString(36)}`) };
  await addDemoMember(baseURL!, session.id, 'artist', 'artist');
  await uploadStem(baseURL!, session.id, sineWav('Bass.wav', 110, 8));
  const artist = await open(browser, session.id, 'artist');
  const engineer = await open(browser, session.id, 'engineer');
  const A = artist.page;
  const E = engineer.page;

  // The artist comments at a point on the strip.
  const lane = (await A.getByTestId('comment-lane').boundingBox())!;
  await A.mouse.click(lane.x + lane.width * 0.63, lane.y + lane.height / 2);
  const original = `Snare a bit loud ${Date.now()}`;
  await A.getByTestId('comment-input').fill(original);
  await A.getByTestId('comment-submit').click();
  await expect(A.getByTestId('comment-thread').filter({ hasText: original })).toHaveCount(1);
  // The thread by its id: while editing, its text is in a text box, which text filters do not see.
  const id = await A.getByTestId('comment-thread').filter({ hasText: original }).getAttribute('data-comment-id');
  const mine = A.locator(`[data-comment-id="${id}"]`);
  await expect(mine.getByTestId('comment-body')).toHaveText(original);
  const theirs = E.locator(`[data-comment-id="${id}"]`);
  await expect(theirs.getByTestId('comment-body')).toHaveText(original, { timeout: 10_000 });
  // Not the engineer's comment: no Edit button there.
  await expect(theirs.getByTestId('comment-edit')).toHaveCount(0);

  // The artist edits it; Cancel first leaves it unchanged.
  await mine.getByTestId('comment-edit').click();
  await mine.getByTestId('comment-edit-input').fill('never mind');
  await mine.getByRole('button', { name: 'Cancel' }).click();
  await expect(mine.getByTestId('comment-body')).toHaveText(original);
  await expect(mine.getByTestId('comment-edited')).toHaveCount(0);

  const edited = `${original} (only in the chorus) <i>really</i>`;
  await mine.getByTestId('comment-edit').click();
  await expect(mine.getByTestId('comment-edit-save')).toBeDisabled(); // nothing changed yet
  await mine.getByTestId('comment-edit-input').fill(edited);
  await mine.getByTestId('comment-edit-save').click();
  await expect(mine.getByTestId('comment-edit-form')).toHaveCount(0);
  await expect(mine.getByTestId('comment-body')).toHaveText(edited); // markup stays text
  await expect(mine.getByTestId('comment-edited')).toBeVisible();

  // The engineer sees the new text at once, marked edited, without reloading.
  await expect(theirs.getByTestId('comment-body')).toHaveText(edited, { timeout: 10_000 });
  await expect(theirs.getByTestId('comment-edited')).toBeVisible();

  // It persisted: a reload shows the edited text.
  await E.reload();
  await expect(E.getByTestId('review-panel')).toBeVisible({ timeout: 60_000 });
  await E.getByTestId('tab-comments').click();
  await expect(theirs.getByTestId('comment-body')).toHaveText(edited, { timeout: 20_000 });
  await expect(theirs.getByTestId('comment-edited')).toBeVisible();

  await artist.context.close();
  await engineer.context.close();
});
