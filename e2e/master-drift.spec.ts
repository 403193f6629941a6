import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ARTIFACTS_DIR, demoCookie, enterValue, openAs } from './helpers';
import { createSessionAs, uploadStem } from './support/session-fixtures';

// Issue 17 #7: "Master to Spotify" is an action that looks like one; "On target" is not claimed
// when peaks were limited heavily; and an approved master whose mix changed afterwards gets a
// warning with what the changed mix measures — checked against the server's own measurement of
// a bounce of that changed mix.

function stem(name: string, expr: string): string {
  const dir = path.join(ARTIFACTS_DIR, 'master-drift');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=${expr}:s=48000:d=8`, '-ac', '2', '-c:a', 'pcm_s16le', file]);
  return file;
}

test.setTimeout(600_000);

test('an approved master whose mix changed afterwards is flagged with the new mix measured; heavy limiting is not "On target"', async ({ browser, baseURL }) => {
  const sessionId = await createSessionAs(baseURL!, `Master drift ${Date.now()}`);
  // A quiet tone (about −26 LUFS) and 1 ms clicks near full scale: reaching −14 LUFS squashes the clicks.
  await uploadStem(baseURL!, sessionId, stem('Tone.wav', '0.05*sin(2*PI*220*t)'));
  await uploadStem(baseURL!, sessionId, stem('Clicks.wav', 'if(lt(mod(t\\,0.5)\\,0.001)\\,0.9\\,0)'));
  const { context, page } = await openAs(browser, sessionId, 'Maya', '#4cc38a');
  await page.getByTestId('view-mixer').click();
  await page.getByTestId('loudness-toggle').click();

  // The button reads as an action: enabled, opaque, in the accent colour (it looked disabled).
  const run = page.getByTestId('master-to-target-run');
  await expect(run).toHaveText('Master to Spotify');
  await expect(run).toBeEnabled();
  const look = await run.evaluate((el) => ({ opacity: getComputedStyle(el).opacity, bg: getComputedStyle(el).backgroundColor }));
  expect(look).toEqual({ opacity: '1', bg: 'rgb(245, 165, 36)' });

  await run.click();
  const report = page.getByTestId('master-to-target-report');
  await expect(report).toBeVisible({ timeout: 240_000 });
  console.log('master to target:', await report.textContent());
  expect(Math.abs(Number(await report.getAttribute('data-integrated')) + 14)).toBeLessThanOrEqual(0.5);
  await expect(report).toHaveAttribute('data-verdict', 'limited');
  await expect(report).toContainText('On target only by limiting peaks');
  await expect(report).not.toContainText(/^On target:/);
  // Nothing changed since: no drift note.
  await expect(page.getByTestId('master-drift')).toHaveCount(0);

  // Bounce it as v1 and approve it.
  await page.getByTestId('tab-versions').click();
  await page.getByTestId('bounce').click();
  const v1 = page.getByTestId('version-v1');
  await expect(v1).toBeVisible({ timeout: 240_000 });
  await v1.getByTestId('approve').click();
  await v1.getByTestId('approve-confirm-yes').click();
  await expect(v1.getByTestId('approved-badge')).toBeVisible();
  await expect(v1.getByTestId('master-drift')).toHaveCount(0);

  // The mix changes after mastering: the tone 1.5 dB up.
  await enterValue(page, 'fader-value-Tone', '1.5');
  const note = v1.getByTestId('master-drift');
  // At once, without a render: the mix is no longer the master's.
  await expect(note).toHaveAttribute('data-state', 'changed');
  await expect(note).toContainText('The mix changed after this master (v1, approved)');
  // …and says what is now different from the master's mix.
  await expect(note.getByTestId('master-drift-changes')).toHaveText(' Now different: Tone +1.5 dB.');
  await note.getByTestId('master-drift-measure').click();
  await expect(note).toHaveAttribute('data-state', 'off-target', { timeout: 240_000 });
  const text = (await note.textContent())!;
  console.log('drift:', text);
  expect(text).toMatch(/The mix changed after this master \(v1, approved\): it now measures −1[23]\.\d LUFS, \d\.\d LU over Spotify's −14/);
  await expect(page.getByTestId('loudness-pane').getByTestId('master-drift')).toHaveText(text);
  const measured = Number(await note.getAttribute('data-integrated'));
  expect(measured - -14).toBeGreaterThan(0.5);

  // Independent check: the server measures a bounce of the changed mix (v2) the same.
  await page.getByTestId('bounce').click();
  await expect(page.getByTestId('version-v2')).toBeVisible({ timeout: 240_000 });
  const list = (await (await fetch(`${baseURL}/api/sessions/${sessionId}/versions`, { headers: { cookie: await demoCookie(baseURL!) } })).json()) as { versions: Array<{ number: number; loudness: { integrated: number } }> };
  const v2 = list.versions.find((v) => v.number === 2)!;
  console.log(`drift measured ${measured.toFixed(2)} LUFS, server measured v2 at ${v2.loudness.integrated.toFixed(2)} LUFS`);
  expect(Math.abs(v2.loudness.integrated - measured)).toBeLessThanOrEqual(0.2);
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'master-drift.png') });

  // Back to the mastered mix: the warning goes.
  await enterValue(page, 'fader-value-Tone', '0');
  await expect(page.getByTestId('master-drift')).toHaveCount(0, { timeout: 10_000 });
  await context.close();
});
