import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { ARTIFACTS_DIR, demoCookie, signedInContext } from './helpers';
import { addDemoMember, createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

/** A demo account's browser (engineer = owner of the demo session, artist = artist), with a display name. */
async function openWithRole(browser: Browser, sessionId: string, name: string, who: 'engineer' | 'artist') {
  const context = await signedInContext(browser, who, { acceptDownloads: true });
  await context.addInitScript(
    ([n]) => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: n, color: '#5b9cf5' })),
    [name] as const,
  );
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  await page.goto(`/s/${sessionId}`);
  // Two browsers decode six stems each on a shared 2-core machine: allow for a slow load.
  await expect(page.getByTestId('mixer')).toHaveAttribute('data-synced', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('mixer')).toHaveAttribute('data-stems-state', 'done', { timeout: 300_000 });
  await expect(page.getByTestId('review-panel')).toBeVisible();
  return { context, page };
}

// Two full-song offline bounces and a live-mix analysis in Chromium, on a shared 2-core machine.
test.setTimeout(1_080_000);

// A session of its own, three 16 s stems (Bass among them), the demo artist a member: every
// bounce, A/B load and live render is of the whole song, and the demo's 64 s made this spec
// spend a minute and more in them at load 13 for a story that is the same at any length.
const SONG_SECONDS = 16;

test('review loop: engineer bounces v1, artist comments on a range, engineer resolves it and bounces v2, artist compares v1/v2 level-matched and approves v2, the download matches', async ({ browser, baseURL }) => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const session = { id: await createSessionAs(baseURL!, `Review loop ${Date.now().toString(36)}`) };
  await addDemoMember(baseURL!, session.id, 'artist', 'artist');
  for (const [name, hz] of [['Bass.wav', 110], ['Keys.wav', 440], ['Lead.wav', 660]] as const) await uploadStem(baseURL!, session.id, sineWav(name, hz, SONG_SECONDS));
  const engineer = await openWithRole(browser, session.id, 'Eddie', 'engineer');
  const artist = await openWithRole(browser, session.id, 'Ana', 'artist');
  const E = engineer.page;
  const A = artist.page;

  // The engineer bounces the current mix in the browser; a progress bar shows while it renders.
  // Counted before the bounce: a short render can be stored before a count taken after the click.
  const before = (await (await fetch(`${baseURL}/api/sessions/${session.id}/versions`, { headers: { cookie: await demoCookie(baseURL!) } })).json()) as { versions: unknown[] };
  const number = before.versions.length + 1;
  await E.getByTestId('tab-versions').click();
  await E.getByTestId('version-notes').fill('first balance');
  await E.getByTestId('bounce').click();
  await expect(E.getByTestId('bounce-progress')).toBeVisible();
  let card = (p: typeof E) => p.getByTestId(`version-v${number}`);
  await expect(card(E)).toBeVisible({ timeout: 300_000 }); // an offline render of the song, slow on a loaded machine
  await expect(card(E).getByTestId('version-loudness')).toContainText('LUFS');

  // The artist sees it appear live, with its loudness.
  await A.getByTestId('tab-versions').click();
  await expect(card(A)).toBeVisible({ timeout: 10_000 });
  await expect(card(A).getByTestId('version-loudness')).toHaveText(/-\d+\.\d LUFS/);

  // The artist drags a range on the comment strip and comments; the engineer sees it at once.
  await A.getByTestId('tab-comments').click();
  const strip = (await A.getByTestId('comment-lane').boundingBox())!;
  await A.mouse.move(strip.x + strip.width * 0.2, strip.y + strip.height / 2);
  await A.mouse.down();
  await A.mouse.move(strip.x + strip.width * 0.3, strip.y + strip.height / 2, { steps: 5 });
  await A.mouse.up();
  await expect(A.getByTestId('comment-draft-time')).toHaveText(/^\d:\d\d\.\d–\d:\d\d\.\d$/);
  const text = 'Bass <b>too loud</b> here';
  await A.getByTestId('comment-input').fill(text);
  await A.getByTestId('comment-submit').click();
  await E.getByTestId('tab-comments').click();
  const thread = E.getByTestId('comment-thread').filter({ hasText: 'Bass' });
  await expect(thread.getByTestId('comment-body')).toHaveText(text, { timeout: 5000 }); // markup shown as text
  await expect(E.getByTestId('comment-marker')).toHaveCount(await A.getByTestId('comment-marker').count());
  await E.getByTestId('comment-lane').screenshot({ path: path.join(ARTIFACTS_DIR, 'review-timeline.png') });
  await E.screenshot({ path: path.join(ARTIFACTS_DIR, 'review-comments.png') });

  // The engineer resolves it; "Recall mix" plays that comment's mix locally with a banner.
  await thread.getByTestId('resolve').click();
  await expect(E.getByTestId('comment-thread').filter({ hasText: 'Bass' })).toHaveCount(0); // filter: open
  await A.getByTestId('filter-resolved').click();
  await expect(A.getByTestId('comment-thread').filter({ hasText: 'Bass' })).toBeVisible();
  await A.getByTestId('comment-thread').filter({ hasText: 'Bass' }).getByTestId('recall-mix').click();
  // Comments and the activity log carry the account's name (the demo accounts).
  await expect(A.getByTestId('recall-banner')).toContainText("Demo Artist's comment");
  await A.getByTestId('back-to-live').click();
  await expect(A.getByTestId('recall-banner')).toHaveCount(0);

  // The engineer acts on the comment (Bass −3 dB) and bounces the next version; the artist sees
  // it arrive with a readable diff of the mix.
  await E.evaluate(() => {
    const model = window.__mixroom!.model;
    const bass = model.getState().channels.find((c) => c.name === 'Bass')!;
    model.setChannelGain(bass.id, bass.gain - 3);
  });
  await E.getByTestId('tab-versions').click();
  await E.getByTestId('version-notes').fill('bass down 3 dB as asked');
  await E.getByTestId('bounce').click();
  const first = card(A);
  const second = (p: typeof E) => p.getByTestId(`version-v${number + 1}`);
  await expect(second(E)).toBeVisible({ timeout: 300_000 });
  await A.getByTestId('tab-versions').click();
  await expect(second(A)).toBeVisible({ timeout: 10_000 });
  await expect(second(A).getByTestId('version-changes')).toContainText('Bass');
  await expect(second(A).getByTestId('version-loudness')).toHaveText(/-\d+\.\d LUFS/);

  // Level-matched A/B of v1 and v2: the louder one is turned down to the quieter one's loudness,
  // both play in step and switching only changes which is heard.
  const lufsOf = async (c: ReturnType<typeof card>) => Number((await c.getByTestId('version-loudness').textContent())!.match(/(-\d+\.\d+) LUFS/)![1]);
  const [l1, l2] = [await lufsOf(first), await lufsOf(second(A))];
  await first.getByTestId('compare').check();
  await second(A).getByTestId('compare').check();
  const ab = A.getByTestId('version-player');
  await expect(ab).toHaveAttribute('data-loaded', 'true', { timeout: 60_000 });
  const trimA = Number(await ab.getByTestId('ab-a').getAttribute('data-trim-db'));
  const trimB = Number(await ab.getByTestId('ab-b').getAttribute('data-trim-db'));
  console.log(`A/B v${number} ${l1} LUFS (trim ${trimA} dB) vs v${number + 1} ${l2} LUFS (trim ${trimB} dB)`);
  expect(Math.max(trimA, trimB)).toBe(0);
  // The displayed figures are rounded to 0.1 LU.
  expect(Math.abs(l1 + trimA - (l2 + trimB))).toBeLessThan(0.11);
  // Both play from one audio clock (e2e/version-player.spec.ts measures the alignment sample by sample).
  await ab.getByTestId('deck-play').click();
  await expect(ab).toHaveAttribute('data-state', 'playing');
  const position = () => A.evaluate(() => (window as unknown as { __mixroomDeck: { position: number } }).__mixroomDeck.position);
  await expect.poll(position, { timeout: 20_000 }).toBeGreaterThan(0.3);
  const posBefore = await position();
  await ab.getByTestId('ab-b').click();
  await expect(ab).toHaveAttribute('data-heard', 'b');
  expect(await position()).toBeGreaterThanOrEqual(posBefore);
  await ab.getByTestId('deck-play').click();
  await expect(ab).toHaveAttribute('data-state', 'stopped');
  await first.getByTestId('compare').uncheck();
  await second(A).getByTestId('compare').uncheck();

  // The engineer has no approve button; the artist approves v2; both see "Approved", v1 does not
  // carry it and stays available.
  const approvedNumber = number + 1;
  card = (p: typeof E) => p.getByTestId(`version-v${approvedNumber}`);
  // Approval is final, so it asks first and says what it locks.
  await card(A).getByTestId('approve').click();
  await expect(card(A).getByTestId('approve-confirm')).toContainText('cannot be undone');
  await expect(card(A).getByTestId('approved-badge')).toHaveCount(0);
  await card(A).getByTestId('approve-confirm-yes').click();
  await expect(card(A).getByTestId('approved-badge')).toHaveText('Approved');
  await E.getByTestId('tab-versions').click(); // the engineer was reading comments
  await expect(card(E).getByTestId('approved-badge')).toHaveText('Approved', { timeout: 10_000 });
  await expect(card(E).getByTestId('approve')).toHaveCount(0); // engineers never get an approve button
  await E.getByTestId('versions-panel').screenshot({ path: path.join(ARTIFACTS_DIR, 'review-versions.png') });

  // The approved master downloads, and its SHA-256 is the one the approval recorded.
  const recorded = (await card(A).getByTestId('approved-sha').textContent())!.trim();
  const [download] = await Promise.all([A.waitForEvent('download'), card(A).getByTestId('download-wav').click()]);
  const file = await download.path();
  expect(createHash('sha256').update(readFileSync(file!)).digest('hex')).toBe(recorded);
  expect(download.suggestedFilename()).toMatch(new RegExp(`-v${approvedNumber}-approved\\.wav$`));
  await expect(E.getByTestId(`version-v${number}`).getByTestId('approved-badge')).toHaveCount(0);
  await expect(E.getByTestId(`version-v${number}`).getByTestId('download-wav')).toBeVisible();

  // Level-matched A/B against the live mix, in the version player: ticking one version renders the
  // live mix in the page and adds it as a side; the louder side is turned down to the quieter.
  await A.getByTestId('tab-versions').click();
  await card(A).getByTestId('compare').check();
  const deck = A.getByTestId('version-player');
  const liveSide = deck.locator('[data-live="true"]');
  await expect(liveSide).toBeVisible({ timeout: 180_000 });
  const trims = [Number(await deck.getByTestId('ab-a').getAttribute('data-trim-db')), Number(await liveSide.getAttribute('data-trim-db'))];
  console.log('live A/B trims (version, live):', trims);
  expect(Math.max(...trims)).toBeCloseTo(0, 5);
  expect(Math.min(...trims)).toBeLessThanOrEqual(0);
  await liveSide.click();
  await expect(liveSide).toHaveAttribute('aria-pressed', 'true');
  await deck.getByTestId('ab-a').click();
  await expect(deck.getByTestId('ab-a')).toHaveAttribute('aria-pressed', 'true');
  await card(A).getByTestId('compare').uncheck();

  // The activity log tells the story, and the artist had an unread notification of the new version.
  await A.getByTestId('tab-activity').click();
  await expect(A.getByTestId('activity-list')).toContainText(`Demo Engineer bounced v${number}`);
  await expect(A.getByTestId('activity-list')).toContainText(`Demo Engineer bounced v${approvedNumber}`);
  await expect(A.getByTestId('activity-list')).toContainText(`Demo Artist approved v${approvedNumber}`);

  await engineer.context.close();
  await artist.context.close();
});
