// MP3 download of a version: while the server encodes it, the versions panel shows
// "Encoding MP3… N %" (from the review room), and once made it says how far the MP3 was turned
// down to keep its decoded peaks under the delivery target's ceiling.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { encodeWav } from '../packages/engine/src/audio/wav';
import { ARTIFACTS_DIR, demoCookie, signedInContext } from './helpers';

test.setTimeout(300_000);

/** 90 s of a bright sawtooth lead at about −1 dBTP: long enough to watch encode, and its MP3 overshoots. */
function brightMaster(): Uint8Array {
  const fs = 48000;
  const ch = [0, 1].map((side) => Float32Array.from({ length: fs * 90 }, (_, i) => 0.78 * (((i / fs) * (220 + side)) % 1) * 2 - 0.78 + 0.1 * Math.sin((2 * Math.PI * 110 * i) / fs)));
  return encodeWav(ch, fs, { bitDepth: 24, dither: 'none' });
}

test('an MP3 download shows its encoding progress, then says it was turned down to stay under the ceiling', async ({ browser, baseURL }) => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const cookie = await demoCookie(baseURL!);
  // A session of its own, so no other spec's settings (e.g. "deliver only approved") apply.
  const created = await fetch(`${baseURL}/api/sessions`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Delivery progress' }) });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  try {
    // The new session answers its members before the big upload starts (a refusal mid-body is only an EPIPE here).
    await expect.poll(async () => (await fetch(`${baseURL}/api/sessions/${id}`, { headers: { cookie } })).status, { timeout: 30_000 }).toBe(200);
    const up = await fetch(`${baseURL}/api/sessions/${id}/versions?source=upload&notes=bright`, { method: 'POST', headers: { cookie, 'content-type': 'audio/wav' }, body: Buffer.from(brightMaster()) });
    expect(up.status).toBe(201);
    const version = (await up.json()) as { number: number };

    const context = await signedInContext(browser, 'engineer', { acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`/s/${id}`);
    await expect(page.getByTestId('review-panel')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('tab-versions').click();
    const card = page.getByTestId(`version-v${version.number}`);
    await expect(card).toBeVisible();

    const download = page.waitForEvent('download', { timeout: 240_000 });
    await card.getByTestId('download-mp3').click();
    // The status line follows the encode: "Encoding MP3… 12 %", "Encoding MP3 0.41 dB lower… 40 %", "Checking MP3 peaks…".
    await expect(card.getByTestId('delivery-progress-mp3')).toHaveText(/Encoding MP3( [\d.]+ dB lower)?… \d+ %|Checking MP3 peaks/, { timeout: 60_000 });
    await card.getByTestId('delivery-status').screenshot({ path: path.join(ARTIFACTS_DIR, 'delivery-progress.png') });
    expect((await download).suggestedFilename()).toMatch(/\.mp3$/);
    await expect(card.getByTestId('delivery-progress-mp3')).toHaveCount(0);
    await expect(card.getByTestId('delivery-note-mp3')).toHaveText(/^MP3 turned down \d+\.\d\d dB so its decoded peaks stay under −1\.0 dBTP$/);
    await context.close();
  } finally {
    await fetch(`${baseURL}/api/sessions/${id}`, { method: 'DELETE', headers: { cookie } });
  }
});
