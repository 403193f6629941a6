import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { CHANNEL_PARAMS, decodeWav, laneFromPoints, valueAt, type AutomationPoint } from '@mixroom/engine';
import { firstSession, grabFader, openAs, resetMix, slug } from './helpers';

type Hook = {
  model: {
    doc: { transact(fn: () => void): void };
    getState(): { channels: Array<{ id: string; name: string; gain: number }> };
    setMute(id: string, on: boolean): boolean;
    setMasterParam(id: string, v: number): boolean;
    automation: {
      laneKeys(): string[];
      clear(key: string): boolean;
      points(key: string): AutomationPoint[];
      setMode(scope: { kind: 'channel'; channelId: string }, mode: string): boolean;
    };
  };
  transport: { position: number; state: string } | null;
};
const hook = (page: Page) => page.evaluate.bind(page);

/** No lanes, every strip in Read: specs after this one start from a mix without automation. */
async function clearAutomation(page: Page): Promise<void> {
  await hook(page)(() => {
    const { model } = window.__mixroom as unknown as Hook;
    model.doc.transact(() => {
      for (const k of model.automation.laneKeys()) model.automation.clear(k);
      for (const c of model.getState().channels) model.automation.setMode({ kind: 'channel', channelId: c.id }, 'read');
    });
  });
}

async function bounce(page: Page): Promise<{ left: Float32Array; sampleRate: number }> {
  const download = page.waitForEvent('download', { timeout: 600_000 });
  await page.getByTestId('bounce-mix').click();
  const wav = decodeWav(new Uint8Array(readFileSync((await (await download).path())!)));
  await expect(page.getByTestId('bounce-message')).toContainText('.wav');
  return { left: wav.channels[0], sampleRate: wav.sampleRate };
}

test('the engineer rides a fader in Touch during playback; the artist sees the lane appear; the bounce follows the ride', async ({ browser, baseURL }) => {
  test.setTimeout(1_200_000);
  const session = await firstSession(baseURL!);
  const eng = await openAs(browser, session.id, 'Eve', '#e5484d', 'engineer');
  const E = eng.page;
  await resetMix(E);
  await clearAutomation(E);
  // The ridden channel alone (the others muted), no limiter: the bounce is that channel's level.
  const ch = await hook(E)(() => {
    const { model } = window.__mixroom as unknown as Hook;
    const [first, ...rest] = model.getState().channels;
    model.doc.transact(() => {
      for (const c of rest) model.setMute(c.id, true);
      model.setMasterParam('limiter.on', 0);
    });
    return { id: first.id, name: first.name };
  });
  const name = slug(ch.name);
  const key = `ch:${ch.id}/gain`;
  const art = await openAs(browser, session.id, 'Ari', '#5b9cf5', 'artist');
  const A = art.page;

  // Volume and pan lanes are one click away; Touch mode for the strip.
  await E.getByTestId(`auto-toggle-${name}`).click();
  await expect(E.getByTestId(`auto-lane-${name}-gain`)).toBeVisible();
  await E.getByTestId(`auto-mode-${name}`).selectOption('touch');

  await E.getByTestId('play').click();
  await expect.poll(() => hook(E)(() => (window.__mixroom as unknown as Hook).transport?.position ?? 0), { timeout: 30_000 }).toBeGreaterThan(1.5);
  // The ride: grab the fader, pull it down in steps for about two seconds, let go.
  await grabFader(E, name);
  const cap = E.getByTestId(`fader-${name}`).locator('.fader-cap');
  for (let i = 0; i < 8; i++) {
    const box = (await cap.boundingBox())!;
    await E.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 12, { steps: 3 });
    await E.waitForTimeout(250);
  }
  // The artist sees the curve appear while the engineer still holds the fader.
  await expect.poll(() => hook(A)((k) => (window.__mixroom as unknown as Hook).model.automation.points(k).length, key), { timeout: 20_000 }).toBeGreaterThan(1);
  await E.mouse.up();
  await E.waitForTimeout(600);
  await E.getByTestId('stop').click();

  const points = await hook(E)((k) => (window.__mixroom as unknown as Hook).model.automation.points(k), key);
  console.log(`recorded ${points.length} breakpoints: ${points.map((p) => `${p.t.toFixed(2)}s ${p.v.toFixed(1)}dB`).join(', ')}`);
  expect(points.length).toBeGreaterThan(3);
  const lo = Math.min(...points.map((p) => p.v));
  expect(lo).toBeLessThan(-6);
  // Touch: after the release the lane goes back to where the fader was before the ride (0 dB).
  expect(points[points.length - 1].v).toBeCloseTo(0, 1);
  await expect.poll(() => hook(A)((k) => (window.__mixroom as unknown as Hook).model.automation.points(k).length, key)).toBe(points.length);
  await expect(A.getByTestId(`auto-curve-${name}`)).toBeVisible();
  await A.getByTestId(`auto-toggle-${name}`).click();
  await expect(A.getByTestId(`auto-lane-${name}-gain-point`)).toHaveCount(points.length);

  // The bounce with the lane, and with the strip's automation off (the fader's static value).
  await E.getByTestId('bounce-open').click();
  const ridden = await bounce(E);
  const staticDb = await hook(E)((id) => (window.__mixroom as unknown as Hook).model.getState().channels.find((c) => c.id === id)!.gain, ch.id);
  await E.getByTestId(`auto-mode-${name}`).selectOption('off');
  const plain = await bounce(E);
  await clearAutomation(E);
  await resetMix(E);

  // Level over time in 10 ms windows: the ridden bounce over the plain one is the lane's value
  // over the static one, wherever there is signal to measure.
  const lane = laneFromPoints(points, CHANNEL_PARAMS.gain);
  const sr = ridden.sampleRate;
  const win = Math.round(0.01 * sr);
  const from = Math.max(0, points[0].t - 0.5);
  const to = points[points.length - 1].t + 0.5;
  let worst = 0;
  let measured = 0;
  for (let t = from; t < to; t += 0.01) {
    const i0 = Math.round(t * sr);
    let a = 0;
    let b = 0;
    let gain = 0;
    for (let i = i0; i < i0 + win; i++) {
      a += ridden.left[i] ** 2;
      b += plain.left[i] ** 2;
      gain += 10 ** (valueAt(lane, i / sr) / 10); // mean power gain over the window
    }
    if (b / win < 1e-6) continue; // below −60 dBFS: too quiet to read
    const want = 10 * Math.log10(gain / win) - staticDb;
    worst = Math.max(worst, Math.abs(10 * Math.log10(a / b) - want));
    measured++;
  }
  console.log(`bounce follows the ride within ${worst.toFixed(3)} dB over ${measured} windows of 10 ms (${from.toFixed(2)}–${to.toFixed(2)} s)`);
  expect(measured).toBeGreaterThan(50);
  expect(worst).toBeLessThan(0.5);

  await eng.context.close();
  await art.context.close();
});
