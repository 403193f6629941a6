import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ARTIFACTS_DIR, demoCookie, openAs, dropFiles } from './helpers';

/** Two real stems made by ffmpeg: a 24-bit WAV and a FLAC. */
function makeStems(): Array<{ name: string; mime: string; bytes: number[] }> {
  const dir = path.join(ARTIFACTS_DIR, 'upload-stems');
  mkdirSync(dir, { recursive: true });
  const out = [
    { name: 'Upright Bass.wav', mime: 'audio/wav', args: ['-c:a', 'pcm_s24le'], src: 'sin(2*PI*55*t)*0.5' },
    { name: 'Shaker Loop.flac', mime: 'audio/flac', args: ['-c:a', 'flac'], src: '0.3*sin(2*PI*880*t)*sin(2*PI*2*t)' },
  ];
  return out.map((f) => {
    const file = path.join(dir, f.name);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=${f.src}|${f.src}:s=48000:d=4`, ...f.args, file]);
    return { name: f.name, mime: f.mime, bytes: [...readFileSync(file)] };
  });
}

/** What a person's drag from the file manager delivers: dragenter, dragover, drop with Files. */
test('dropping two files on the mixer adds two channels that a second browser sees and plays', async ({ browser, baseURL }) => {
  // Created by the demo engineer, who opens it below (openAs signs in as that account).
  const created = await fetch(`${baseURL}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: await demoCookie(baseURL!) }, body: JSON.stringify({ title: 'Upload e2e' }) });
  expect(created.status).toBe(201);
  const sessionId = ((await created.json()) as { id: string }).id;
  const stems = makeStems();

  const ana = await openAs(browser, sessionId, 'Ana', '#e5484d');
  const ben = await openAs(browser, sessionId, 'Ben', '#3ecf8e');
  const A = ana.page;
  const B = ben.page;
  await expect(B.getByText('This session has no channels yet.')).toBeVisible();

  await dropFiles(A, stems);
  const rows = A.getByTestId('upload-row');
  await expect(rows).toHaveCount(2);
  for (const f of stems) await expect(A.locator(`[data-testid="upload-row"][data-file="${f.name}"]`)).toHaveAttribute('data-status', 'done', { timeout: 60_000 });

  // Ben did nothing: the channels arrive through the live mix document and their audio loads.
  for (const name of ['Upright Bass', 'Shaker Loop']) await expect(B.getByTestId(`strip-${name.replace(/\s+/g, '-')}`)).toBeVisible({ timeout: 30_000 });
  await expect(B.getByTestId('mixer')).toHaveAttribute('data-stems-state', 'done', { timeout: 60_000 });
  const states = await B.evaluate(() => (window as unknown as { __mixroom: { runtime: { getSnapshot(): { stems: Array<{ status: string }> } } } }).__mixroom.runtime.getSnapshot().stems.map((s) => s.status));
  expect(states).toEqual(['ready', 'ready']);

  // A file that is not audio is refused with the server's reason, per file.
  await dropFiles(A, [{ name: 'cover.wav', mime: 'audio/wav', bytes: [0xff, 0xd8, 0xff, 0xe0, ...new Array(2000).fill(7)] }]);
  const bad = A.locator('[data-testid="upload-row"][data-file="cover.wav"]');
  await expect(bad).toHaveAttribute('data-status', 'error', { timeout: 30_000 });
  await expect(bad.getByTestId('upload-error')).toContainText('JPEG image');

  // The rows open from the chip in the transport bar (they do not float over the console by themselves).
  await A.getByTestId('uploads-toggle').click();
  await expect(bad).toBeVisible();
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await A.screenshot({ path: path.join(ARTIFACTS_DIR, 'stem-upload.png') });
  await ana.context.close();
  await ben.context.close();
});
