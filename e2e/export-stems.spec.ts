import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openAs } from './helpers';
import { createSessionAs, sessionAs, sineWav, uploadStem } from './support/session-fixtures';

// A session of its own with three 8 s stems: every stem of the export is a render of the whole
// song, and the demo's 64 s made this spec take 4 minutes at load 13 for checks that hold the same
// on any length (format, names, order, length).
test('Export stems downloads one zip: every channel and both FX returns as WAVs of the song in the chosen format', async ({ browser, baseURL }) => {
  test.setTimeout(600_000);
  const sessionId = await createSessionAs(baseURL!, `Export stems ${Date.now().toString(36)}`);
  for (const [name, hz] of [['Bass.wav', 110], ['Keys.wav', 440], ['Lead.wav', 660]] as const) await uploadStem(baseURL!, sessionId, sineWav(name, hz, 8));
  const session = await sessionAs(baseURL!, sessionId);
  const { page, context } = await openAs(browser, sessionId, 'Exporter', '#2fbf71');
  const songSeconds = session.stems.reduce((m, s) => Math.max(m, s.durationSec), 0);
  const channels = await page.evaluate(() => window.__mixroom!.model.getState().channels.map((c) => c.name));

  await page.getByTestId('bounce-open').click();
  await page.getByTestId('bounce-bit-depth').selectOption('16');
  await page.getByTestId('bounce-sample-rate').selectOption('44100');
  const downloading = page.waitForEvent('download', { timeout: 540_000 });
  await page.getByTestId('export-stems').click();
  await expect(page.getByTestId('bounce-progress')).toBeVisible();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/-stems-44\.1k-16\.zip$/);

  const dir = mkdtempSync(path.join(tmpdir(), 'mixroom-export-'));
  const zip = path.join(dir, 'stems.zip');
  await download.saveAs(zip);
  // The system unzip verifies every entry's CRC; the names are the channels' in mixer order, then the returns.
  expect(execFileSync('unzip', ['-t', zip]).toString()).toContain('No errors detected');
  const names = execFileSync('unzip', ['-Z1', zip]).toString().split('\n').filter(Boolean);
  expect(names).toHaveLength(channels.length + 2);
  expect(names[names.length - 2]).toMatch(/reverb-return\.wav$/);
  expect(names[names.length - 1]).toMatch(/delay-return\.wav$/);
  execFileSync('unzip', ['-q', zip, '-d', dir]);
  for (const name of names) {
    // ffprobe (an independent reader) sees 16-bit PCM at 44.1 kHz, stereo, the song's length.
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path.join(dir, name)]).toString()) as { streams: Array<{ codec_name: string; sample_rate: string; channels: number; duration: string }> };
    const s = probe.streams[0];
    expect(s.codec_name, name).toBe('pcm_s16le');
    expect(s.sample_rate, name).toBe('44100');
    expect(s.channels, name).toBe(2);
    expect(Math.abs(Number(s.duration) - songSeconds), name).toBeLessThan(0.05);
  }
  await expect(page.getByTestId('bounce-message')).toContainText('.zip');
  rmSync(dir, { recursive: true, force: true });
  await context.close();
});
