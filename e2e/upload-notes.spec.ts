import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ARTIFACTS_DIR, demoCookie, openAs, dropFiles } from './helpers';

/** A real stem made by ffmpeg (a sine, PCM WAV or FLAC by the extension). */
function stem(name: string, rate: number, seconds: number): { name: string; mime: string; bytes: number[] } {
  const dir = path.join(ARTIFACTS_DIR, 'upload-notes');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=0.3*sin(2*PI*110*t):s=${rate}:d=${seconds}`, file]);
  return { name, mime: name.endsWith('.flac') ? 'audio/flac' : 'audio/wav', bytes: [...readFileSync(file)] };
}

/** Controls under `root` whose own box is (partly) under something else: each corner and the centre must hit the control. */
function coveredControls(page: Page, root: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const bad: string[] = [];
    for (const c of document.querySelectorAll<HTMLElement>(`${sel} :is(button, input, select, [role="slider"])`)) {
      const r = c.getBoundingClientRect();
      if (r.width === 0 || r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue;
      const points = [[r.left + r.width / 2, r.top + r.height / 2], [r.left + 1, r.top + 1], [r.right - 1, r.top + 1], [r.left + 1, r.bottom - 1], [r.right - 1, r.bottom - 1]];
      for (const [x, y] of points) {
        if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
        const hit = document.elementFromPoint(x, y);
        if (hit && hit !== c && !c.contains(hit) && hit.closest('.uploads')) {
          bad.push(`${c.dataset.testid ?? c.getAttribute('aria-label') ?? c.tagName} @ ${Math.round(x)},${Math.round(y)} under ${hit.className}`);
          break;
        }
      }
    }
    return bad;
  }, root);
}

const row = (page: Page, file: string) => page.locator(`[data-testid="upload-row"][data-file="${file}"]`);

// Issue 17 #6: refusals in plain words, notes on odd-but-accepted files, and a list that floats.
test('uploads: plain-words refusals, notes on a 10 ms stem, another rate and a taken name; the mixer stays put', async ({ browser, baseURL }) => {
  const created = await fetch(`${baseURL}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: await demoCookie(baseURL!) }, body: JSON.stringify({ title: 'Upload notes e2e' }) });
  expect(created.status).toBe(201);
  const sessionId = ((await created.json()) as { id: string }).id;
  const { page: A, context } = await openAs(browser, sessionId, 'Ana', '#e5484d');

  await dropFiles(A, [stem('Bass.wav', 48000, 3)]);
  await expect(row(A, 'Bass.wav')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(row(A, 'Bass.wav').getByTestId('upload-note')).toHaveCount(0);
  await A.getByTestId('uploads-toggle').click();
  await A.getByRole('button', { name: 'Clear finished' }).click();
  await expect(A.getByTestId('uploads')).toHaveCount(0);
  const mainTop = async () => (await A.locator('.app-main').boundingBox())!.y;
  const before = await mainTop();

  await dropFiles(A, [
    { name: 'lyrics.wav', mime: 'audio/wav', bytes: [...new TextEncoder().encode('this is not audio, just words\n'.repeat(20))] },
    { name: 'empty.wav', mime: 'audio/wav', bytes: [] },
    stem('Click.wav', 48000, 0.01),
    stem('Old Take.wav', 44100, 3),
    stem('Bass.flac', 48000, 3),
  ]);
  const lyrics = row(A, 'lyrics.wav');
  await expect(lyrics).toHaveAttribute('data-status', 'error', { timeout: 30_000 });
  await expect(lyrics.getByTestId('upload-error')).toContainText('this file is not audio');
  await expect(lyrics.getByTestId('upload-error')).not.toContainText('signature');
  await expect(row(A, 'empty.wav').getByTestId('upload-error')).toHaveText('this file is empty');
  for (const f of ['Click.wav', 'Old Take.wav', 'Bass.flac']) await expect(row(A, f)).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(row(A, 'Click.wav').getByTestId('upload-note')).toHaveText('this file is only 10 ms long: check that the whole song was exported');
  await expect(row(A, 'Old Take.wav').getByTestId('upload-note')).toContainText('this file is at 44.1 kHz, the session at 48 kHz');
  await expect(row(A, 'Bass.flac').getByTestId('upload-note')).toContainText('another channel is already called "Bass"');

  // Five rows of uploads and notes: the mixer has not moved down, and nothing covers the master
  // strip (the list used to float over it at 1440×900); the transport bar's chip sums them up.
  expect(await mainTop()).toBe(before);
  await expect(A.getByTestId('uploads-toggle')).toHaveText('Uploads: 3 added · 2 refused · 3 notes');
  const bar = (await A.locator('section.transport').boundingBox())!;
  const chip = (await A.getByTestId('uploads-toggle').boundingBox())!;
  expect(chip.y, 'the chip sits in the transport bar').toBeGreaterThanOrEqual(bar.y);
  expect(chip.y + chip.height, 'the chip sits in the transport bar').toBeLessThanOrEqual(bar.y + bar.height);
  expect(await coveredControls(A, '[data-testid="strip-master"]')).toEqual([]);
  expect(await coveredControls(A, '.console-strips')).toEqual([]);
  // Opened on demand, it lists every file; Escape closes it again.
  await A.getByTestId('uploads-toggle').click();
  await expect(A.getByTestId('uploads')).toBeVisible();
  await expect(lyrics).toBeVisible();
  await A.screenshot({ path: `${ARTIFACTS_DIR}/upload-list-open.png` });
  await A.keyboard.press('Escape');
  await expect(A.getByTestId('uploads')).toBeHidden();
  expect(await coveredControls(A, '[data-testid="strip-master"]')).toEqual([]);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await A.screenshot({ path: `${ARTIFACTS_DIR}/upload-notes.png` });
  await context.close();
});
