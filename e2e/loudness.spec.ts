import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ARTIFACTS_DIR, openAs, traceSignal } from './helpers';
import { createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

interface LiveReading {
  integrated: number;
  shortTerm: number;
  truePeak: number;
  durationSeconds: number;
}

const liveLoudness = (page: Page) =>
  page.evaluate(() => {
    const rt = (window.__mixroom as unknown as { runtime: { loudness: LiveReading | null } }).runtime;
    const r = rt.loudness;
    // −Infinity does not survive page.evaluate's JSON; send null instead.
    return r
      ? {
          integrated: Number.isFinite(r.integrated) ? r.integrated : null,
          truePeak: Number.isFinite(r.truePeak) ? r.truePeak : null,
          durationSeconds: r.durationSeconds,
        }
      : null;
  });

// Two browsers, live metering, then an offline render of the whole song for master-to-target.
test.setTimeout(420_000);

test('live master loudness from the AudioWorklet, and a shared delivery target', async ({ browser, baseURL }) => {
  // A session of its own, three 12 s tones (always sounding, looped while metered): master-to-target
  // renders the whole song, which on the 64 s demo was a quarter of this spec at load 20.
  const sessionId = await createSessionAs(baseURL!, `Loudness ${Date.now().toString(36)}`);
  for (const [name, hz] of [['Bass.wav', 110], ['Keys.wav', 440], ['Lead.wav', 660]] as const) await uploadStem(baseURL!, sessionId, sineWav(name, hz, 12));
  const alice = await openAs(browser, sessionId, 'Alice', '#e5484d');
  const bob = await openAs(browser, sessionId, 'Bob', '#5b9cf5');
  const [A, B] = [alice.page, bob.page];
  // Below 1700 px the loudness pane starts collapsed beside the master, leaving the room to the strips.
  for (const p of [A, B]) {
    await expect(p.getByTestId('loudness-toggle')).toHaveAttribute('aria-expanded', 'false');
    await p.getByTestId('loudness-toggle').click();
  }

  // A plays ~4 s from the top (looped: the checks below outlast the song); the worklet meter measures the master bus.
  await A.getByTestId('loop').click();
  await expect(A.getByTestId('loop')).toHaveAttribute('aria-pressed', 'true');
  await A.getByTestId('play').click();
  await expect(A.getByTestId('transport-state')).toContainText('PLAYING');
  await expect
    .poll(async () => (await liveLoudness(A))?.durationSeconds ?? 0, { timeout: 60_000 })
    .toBeGreaterThan(4);
  const live = await liveLoudness(A);
  console.log('live master loudness at A:', JSON.stringify(live));
  if (live?.integrated == null) console.log('silent master at A; signal along each strip:', JSON.stringify(await traceSignal(A)));
  expect(live?.integrated).not.toBeNull();
  expect(live!.integrated!).toBeGreaterThan(-40);
  expect(live!.integrated!).toBeLessThan(-5);
  expect(live!.truePeak).not.toBeNull();

  // The UI shows the integrated reading as a LUFS number near the hook's value.
  const shown = A.getByTestId('loudness-integrated');
  await expect(shown).toHaveText(/^−?\d+\.\d$/);
  const shownValue = Number((await shown.textContent())!.replace('−', '-'));
  expect(Math.abs(shownValue - live!.integrated!)).toBeLessThan(3);
  await expect(A.getByTestId('penalty-spotify')).toHaveText(/^\d+\.\d$/);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await A.screenshot({ path: path.join(ARTIFACTS_DIR, 'loudness.png') });

  // Platform preview: A hears the mix as an EBU R128 broadcast would play it (turned down to
  // −23 LUFS); only A's monitor path changes, B keeps hearing the master as it is.
  await A.getByTestId('preview-ebu-r128').check();
  const status = A.getByTestId('preview-status');
  await expect(status).toContainText('EBU R128');
  const measured = (await liveLoudness(A))!.integrated!;
  const gainDb = Number(await status.getAttribute('data-gain'));
  expect(gainDb).toBeLessThan(0);
  expect(Math.abs(gainDb - (-23 - measured))).toBeLessThan(1.5);
  const monitorGainDb = () =>
    A.evaluate(() => 20 * Math.log10((window.__mixroom as unknown as { runtime: { preview: { input: { gain: { value: number } } } } }).runtime.preview.input.gain.value));
  await expect.poll(monitorGainDb, { timeout: 3000 }).toBeLessThan(gainDb + 0.5);
  await expect(B.getByTestId('preview-off')).toBeChecked();
  await A.getByTestId('preview-off').check();
  await expect(A.getByTestId('preview-status')).toHaveCount(0);
  await expect.poll(monitorGainDb, { timeout: 3000 }).toBeGreaterThan(-0.1);
  await A.getByTestId('pause').click();

  // Reset starts the meter over.
  await A.getByTestId('loudness-reset').click();
  await expect.poll(async () => (await liveLoudness(A))?.integrated ?? null).toBeNull();

  // A picks a delivery target; B's select follows (it lives in the shared mix document).
  await A.getByTestId('target-select').selectOption('ebu-r128');
  await expect(B.getByTestId('target-select')).toHaveValue('ebu-r128', { timeout: 2000 });
  await expect(B.getByTestId('target-source')).toContainText('EBU R128');
  await B.getByTestId('target-select').selectOption('spotify');
  await expect(A.getByTestId('target-select')).toHaveValue('spotify', { timeout: 2000 });

  // Master to target: A's browser renders the song offline, sets the master limiter and gain so
  // it lands on Spotify's −14 LUFS / −1 dBTP, and reports; B's master follows (shared mix).
  await A.getByTestId('master-to-target-run').click();
  const report = A.getByTestId('master-to-target-report');
  await expect(report).toBeVisible({ timeout: 180_000 });
  console.log('master to target:', await report.textContent());
  expect(Math.abs(Number(await report.getAttribute('data-integrated')) - -14)).toBeLessThanOrEqual(0.5);
  expect(Number(await report.getAttribute('data-true-peak'))).toBeLessThanOrEqual(-1);
  const masterParams = (p: Page) =>
    p.evaluate(() => {
      const params = (window.__mixroom as unknown as { model: { getState(): { master: { params: Record<string, number> } } } }).model.getState().master.params;
      return { drive: params['limiter.drive'], ceiling: params['limiter.ceiling'], gain: params.gain };
    });
  const mastered = await masterParams(A);
  expect(mastered.ceiling).toBe(-1);
  await expect.poll(() => masterParams(B), { timeout: 5000 }).toEqual(mastered);

  await alice.context.close();
  await bob.context.close();
});
