import { renameSync, existsSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { expectAudible, demoCookie, enterValue, firstSession, openAs, resetMix, slug } from './helpers';

// The server's data dir (see playwright.config.ts); override when pointing at another server.
const DATA_DIR = process.env.MIXROOM_E2E_DATA_DIR ?? path.resolve('test-results/e2e-data');

test('a stem whose file is gone shows a clear error; the rest of the mixer still plays', async ({ browser, baseURL }) => {
  const session = await firstSession(baseURL!);
  const victim = session.stems[session.stems.length - 1];
  // Blobs are content-addressed and the audio ETag is the sha256: that names the file on disk.
  const head = await fetch(`${baseURL}${victim.url}`, { method: 'HEAD', headers: { cookie: await demoCookie(baseURL!) } });
  const sha = head.headers.get('etag')!.replace(/"/g, '');
  const blob = path.join(DATA_DIR, 'blobs', sha.slice(0, 2), sha.slice(2));
  expect(existsSync(blob), `blob for ${victim.name} at ${blob}`).toBe(true);
  renameSync(blob, `${blob}.moved`);
  try {
    const { page, context } = await openAs(browser, session.id, 'Dana', '#b18cf5');
    await resetMix(page);
    const name = slug(victim.name);
    await expect(page.getByTestId(`stem-error-${name}`)).toHaveText(`stem file missing: ${victim.name}`);
    await expect(page.getByTestId('stem-errors')).toContainText(`${victim.name}: stem file missing: ${victim.name}`);
    await expect(page.getByTestId(`strip-status-${name}`)).toHaveText('NO AUDIO');
    const n = session.stems.length;
    await expect(page.getByTestId('loading-status')).toHaveText(`${n - 1} of ${n} stems ready · 1 failed`);

    // Everything else works: controls respond and the other stems are heard.
    const other = slug(session.stems[0].name);
    await enterValue(page, `fader-value-${other}`, '-3');
    await expect(page.getByTestId(`fader-value-${other}`)).toHaveText('-3.0 dB');
    await page.getByTestId('play').click();
    await expectAudible(page);
    await page.getByTestId(`fader-${other}`).dblclick();
    await expect(page.getByTestId(`fader-value-${other}`)).toHaveText('0.0 dB');
    await page.screenshot({ path: 'test-results/artifacts/missing-stem.png' });
    await page.waitForTimeout(300);
    await context.close();
  } finally {
    renameSync(`${blob}.moved`, blob);
  }
});
