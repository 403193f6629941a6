import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ARTIFACTS_DIR, demoCookie, openAs } from './helpers';

/** A real stem made by ffmpeg (a sine, PCM WAV or FLAC by the extension). */
function stem(name: string, rate: number, seconds: number): { name: string; mime: string; bytes: number[] } {
  const dir = path.join(ARTIFACTS_DIR, 'upload-notes');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=0.3*sin(2*PI*110*t):s=${rate}:d=${seconds}`, file]);
  return { name, mime: name.endsWith('.flac') ? 'audio/flac' : 'audio/wav', bytes: [...readFileSync(file)] };
}

async function dropFiles(page: Page, files: Array<{ name: string; mime: string; bytes: number[] }>): Promise<void> {
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.mime }));
    const target = document.querySelector('[data-testid="mixer"]')!;
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
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

  // Five rows of uploads and notes float over a corner: the mixer has not moved down.
  expect(await mainTop()).toBe(before);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await A.screenshot({ path: `${ARTIFACTS_DIR}/upload-notes.png` });
  await context.close();
});
