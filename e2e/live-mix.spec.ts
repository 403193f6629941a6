import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { expectAudible, ARTIFACTS_DIR, channelLevels, enterValue, firstSession, grabFader, masterLevelDb, openAliceAndBob, resetMix, slug, waitForMixer, signedInContext } from './helpers';

const position = (page: Page) => page.evaluate(() => window.__mixroom!.transport!.position);

async function seekByClick(page: Page, fraction: number): Promise<void> {
  const box = (await page.getByTestId('timeline').boundingBox())!;
  await page.mouse.click(box.x + box.width * fraction, box.y + 10);
}

test('two people mix live: faders, presence and the sound follow across browsers', async ({ browser, baseURL }) => {
  // Two browsers each decode six stems and play them on a shared 2-core machine.
  test.setTimeout(420_000);
  const { session, alice, bob, A, B } = await openAliceAndBob(browser, baseURL!);
  // The master limiter (on by default) rides the loud demo chorus; with it in, pulling channels out
  // lowers the output by less than the sum says. This test is about the faders and mutes.
  await A.evaluate(() => window.__mixroom!.model.setParam({ kind: 'master' }, 'limiter.on', 0));

  // Every stem loaded, a waveform lane and a strip per stem, no errors.
  await expect(B.getByTestId('loading-status')).toHaveText(`${session.stems.length} stems ready`);
  await expect(B.getByTestId('stem-errors')).toHaveCount(0);
  const names = await B.evaluate(() => window.__mixroom!.model.getState().channels.map((c) => c.name));
  expect(names.length).toBe(session.stems.length);

  // Presence: each sees the other's avatar.
  await expect(B.getByTestId('avatar-Alice')).toBeVisible();
  await expect(A.getByTestId('avatar-Bob')).toBeVisible();

  // A types a value; B's fader follows within a second.
  const first = slug(names[0]);
  await enterValue(A, `fader-value-${first}`, '-12');
  await expect(A.getByTestId(`fader-value-${first}`)).toHaveText('-12.0 dB');
  await expect(B.getByTestId(`fader-value-${first}`)).toHaveText('-12.0 dB', { timeout: 1000 });

  // Double-click resets to the parameter default (unity), on both screens.
  await A.getByTestId(`fader-${first}`).dblclick();
  await expect(B.getByTestId(`fader-value-${first}`)).toHaveText('0.0 dB', { timeout: 1000 });

  // B loops the song (so it can't run out mid-test), clicks the timeline into the first
  // chorus (where every stem plays) and starts playback.
  const duration = session.stems.reduce((m, s) => Math.max(m, s.durationSec), 0);
  await B.getByTestId('loop').click();
  await expect(B.getByTestId('loop')).toHaveAttribute('aria-pressed', 'true');
  const chorus = Math.min(26, duration * 0.4);
  await seekByClick(B, chorus / duration);
  await expect.poll(() => position(B)).toBeGreaterThan(chorus - 1);
  await expect(B.getByTestId('position')).toHaveAttribute('data-time', /^0:2[5-6]\.\d$/);
  await B.getByTestId('play').click();
  await expect(B.getByTestId('pause')).toBeVisible();
  await expect(B.getByTestId('transport-state')).toContainText('PLAYING');
  await expectAudible(B);

  // What B's engine actually outputs, before and after A pulls the loudest channels out. Each
  // reading is of the same bars (B seeks back to the chorus first): the song's own rise and fall
  // must not count as a fader move.
  const chorusLevelDb = async () => {
    await B.evaluate((at) => (window.__mixroom!.runtime as { seek(s: number): void }).seek(at), chorus);
    await expect.poll(() => position(B)).toBeGreaterThan(chorus + 0.1);
    return masterLevelDb(B, 1500);
  };
  const levels = await channelLevels(B);
  const before = await chorusLevelDb();
  console.log('channel levels at B (dBFS):', levels.map((l) => `${l.name} ${l.db.toFixed(1)}`).join(', '));
  const [loudest, second, third] = levels.map((l) => slug(l.name));
  await enterValue(A, `fader-value-${loudest}`, '-inf');
  await A.getByTestId(`mute-${second}`).click();
  await A.getByTestId(`mute-${third}`).click();
  await expect(B.getByTestId(`fader-value-${loudest}`)).toHaveText('-∞ dB', { timeout: 1000 });
  await expect(B.getByTestId(`mute-${second}`)).toHaveAttribute('aria-pressed', 'true', { timeout: 1000 });
  await expect(B.getByTestId(`mute-${third}`)).toHaveAttribute('aria-pressed', 'true', { timeout: 1000 });
  await B.waitForTimeout(100); // 10 ms parameter glide plus one analyser window
  const after = await chorusLevelDb();
  console.log(`B master: ${before.toFixed(1)} dBFS before, ${after.toFixed(1)} dBFS with ${loudest} at -inf and ${second}, ${third} muted`);
  expect(before - after).toBeGreaterThan(4);

  // A puts them back; B hears them again.
  await A.getByTestId(`mute-${second}`).click();
  await A.getByTestId(`mute-${third}`).click();
  await A.getByTestId(`fader-${loudest}`).dblclick();
  await expect(B.getByTestId(`fader-value-${loudest}`)).toHaveText('0.0 dB', { timeout: 1000 });
  await expect(B.getByTestId(`mute-${third}`)).toHaveAttribute('aria-pressed', 'false', { timeout: 1000 });
  await expect(B.getByTestId(`mute-${second}`)).toHaveAttribute('aria-pressed', 'false', { timeout: 1000 });
  await B.waitForTimeout(100);
  const restored = await chorusLevelDb();
  console.log(`B master restored: ${restored.toFixed(1)} dBFS`);
  expect(restored - after).toBeGreaterThan(4);

  // A drags a fader: while the drag lasts, B sees who holds it and the value moves with it.
  const dragged = slug(levels[levels.length - 1].name);
  await grabFader(A, dragged);
  await expect(B.getByTestId(`held-fader-${dragged}`)).toHaveText('Alice', { timeout: 2000 });
  const aValue = await A.getByTestId(`fader-value-${dragged}`).textContent();
  expect(aValue).not.toBe('0.0 dB');
  await expect(B.getByTestId(`fader-value-${dragged}`)).toHaveText(aValue!, { timeout: 1000 });
  // Meters are drawn on the mixer's canvas: the master's bar is lit at its foot, and its
  // figure is the level the graph reads.
  await expect.poll(() => litAtFootOfMeter(B, 'master-meter'), { timeout: 5000 }).toBe(true);
  await expect.poll(async () => Number(await B.getByTestId('master-meter').getAttribute('data-peak-db')), { timeout: 5000 }).toBeGreaterThan(-40);
  // The product shot: B playing, meters live, Alice's hand on a fader.
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await B.screenshot({ path: path.join(ARTIFACTS_DIR, 'mixer.png') });
  await A.mouse.up();
  await expect(B.getByTestId(`held-fader-${dragged}`)).toHaveCount(0, { timeout: 2000 });
  await A.getByTestId(`fader-${dragged}`).dblclick();

  // Pause holds the position; stop returns to the start.
  await B.getByTestId('pause').click();
  const paused = await position(B);
  await B.waitForTimeout(300);
  expect(await position(B)).toBeCloseTo(paused, 1);
  await B.getByTestId('stop').click();
  await expect(B.getByTestId('position')).toHaveAttribute('data-time', '0:00.0');

  // Leave the demo mix as the other specs expect it.
  await resetMix(A);
  await alice.context.close();
  await expect(B.getByTestId('avatar-Alice')).toHaveCount(0, { timeout: 5000 });
  await bob.context.close();
});

test('an unknown session shows the 404 page with a way home', async ({ browser }) => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  const res = await page.goto('/s/no-such-session-123');
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toBeVisible();
  await page.getByTestId('home-link').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('session-list')).toBeVisible();
  await context.close();
});

test('reloading keeps the mix, and the start page links to the session', async ({ browser, baseURL }) => {
  const session = await firstSession(baseURL!);
  const context = await signedInContext(browser);
  await context.addInitScript(() =>
    window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: 'Carol', color: '#4cc38a' })),
  );
  const page = await context.newPage();
  await page.goto('/');
  await page.getByTestId(`session-${session.id}`).click();
  await expect(page).toHaveURL(new RegExp(`/s/${session.id}$`));
  await waitForMixer(page);
  await resetMix(page);
  const name = slug(await page.evaluate(() => window.__mixroom!.model.getState().channels[1].name));
  await enterValue(page, `fader-value-${name}`, '-7.5');
  await enterValue(page, 'master-fader-value', '-2');
  await enterValue(page, `pan-value-${name}`, 'L30');
  await page.getByTestId(`solo-${name}`).click();
  await expect(page.getByTestId(`pan-value-${name}`)).toHaveText('L30');
  // Let the update reach the server before the page goes away.
  await page.waitForTimeout(500);
  await page.reload();
  await waitForMixer(page);
  await expect(page.getByTestId(`fader-value-${name}`)).toHaveText('-7.5 dB');
  await expect(page.getByTestId('master-fader-value')).toHaveText('-2.0 dB');
  await expect(page.getByTestId(`pan-value-${name}`)).toHaveText('L30');
  await expect(page.getByTestId(`solo-${name}`)).toHaveAttribute('aria-pressed', 'true');
  // Leave the shared demo mix as we found it for other specs.
  await page.getByTestId(`solo-${name}`).click();
  await page.getByTestId(`fader-${name}`).dblclick();
  await page.getByTestId('master-fader').dblclick();
  await page.getByTestId(`pan-${name}`).dblclick();
  await expect(page.getByTestId(`fader-value-${name}`)).toHaveText('0.0 dB');
  await page.waitForTimeout(300);
  await context.close();
});

test("a signed-in first visit is not asked \"Who's mixing?\": the account name is used, and the avatar changes it", async ({ browser, baseURL }) => {
  const session = await firstSession(baseURL!);
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(`/s/${session.id}`);
  await expect(page.getByTestId('mixer')).toBeVisible();
  const dialog = page.getByTestId('identity-dialog');
  await expect(page.getByTestId('avatar-self')).toHaveAttribute('aria-label', /^You are Demo Engineer:/);
  await expect(dialog).toHaveCount(0);
  await page.getByTestId('avatar-self').click();
  await expect(page.getByTestId('identity-name')).toHaveValue('Demo Engineer');
  await page.getByTestId('identity-name').fill('Erin Engineer');
  await page.getByTestId('identity-save').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('avatar-self')).toHaveText('EE');
  await page.reload();
  await expect(page.getByTestId('mixer')).toBeVisible();
  await expect(page.getByTestId('identity-dialog')).toHaveCount(0);
  await expect(page.getByTestId('avatar-self')).toHaveText('EE');
  await context.close();
});

/**
 * True when the screen shows the meter lit just above the foot of its bar. The meters are drawn
 * by the paint worker on a canvas the page cannot read, so this reads the page's screenshot: what
 * the user sees, composited.
 */
async function litAtFootOfMeter(page: Page, testId: string): Promise<boolean> {
  const box = await page.getByTestId(testId).locator('.meter-bar').boundingBox();
  if (!box) return false;
  const png = await page.screenshot({ clip: { x: Math.round(box.x + box.width / 2) - 1, y: Math.round(box.y + box.height) - 5, width: 2, height: 2 } });
  return page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const px = ctx.getImageData(0, 0, 1, 1).data;
    // The meter's green foot (#2fbf71); its unlit track is near black.
    return px[1] > 100 && px[1] > px[0];
  }, png.toString('base64'));
}
