import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { CHANNEL_PARAMS, decodeWav, laneFromPoints, valueAt, type AutomationPoint } from '@mixroom/engine';
import { grabFader, openAs, slug } from './helpers';
import { addDemoMember, createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

type Hook = {
  model: {
    doc: { transact(fn: () => void): void };
    getState(): { channels: Array<{ id: string; name: string; gain: number; stemId: string | null }> };
    setChannelGain(id: string, db: number): boolean;
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
  runtime: { seek(seconds: number): void };
  captureLive(req: { stems: Map<string, AudioBuffer>; state: unknown; seconds: number }): Promise<Float32Array[]>;
  Tone: { getContext(): { rawContext: BaseAudioContext } };
};
const hook = (page: Page) => page.evaluate.bind(page);

async function bounce(page: Page): Promise<{ left: Float32Array; sampleRate: number }> {
  const download = page.waitForEvent('download', { timeout: 600_000 });
  await page.getByTestId('bounce-mix').click();
  const wav = decodeWav(new Uint8Array(readFileSync((await (await download).path())!)));
  await expect(page.getByTestId('bounce-message')).toContainText('.wav');
  return { left: wav.channels[0], sampleRate: wav.sampleRate };
}

// As long as the demo song: at load 15 the ride (eight steps of the mouse) lasted from 3 s to 30 s.
const SONG_SECONDS = 64;

test('the engineer rides a fader in Touch during playback; the artist sees the lane appear; the bounce follows the ride', async ({ browser, baseURL }) => {
  test.setTimeout(1_200_000);
  // A session of its own: two steady tones (Lead ridden, Pad muted), the demo artist a member.
  // Nothing here depends on the demo's music, and a tone sounds throughout the ride, where the
  // demo's first channel was sparse near the top of the song.
  const session = { id: await createSessionAs(baseURL!, `Automation ride ${Date.now().toString(36)}`) };
  await addDemoMember(baseURL!, session.id, 'artist', 'artist');
  for (const [file, hz] of [['Lead.wav', 440], ['Pad.wav', 220]] as const) await uploadStem(baseURL!, session.id, sineWav(file, hz, SONG_SECONDS));
  const eng = await openAs(browser, session.id, 'Eve', '#e5484d', 'engineer');
  const E = eng.page;
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

  // From the top: the ride must end inside the song even on a slow machine.
  await hook(E)(() => (window.__mixroom as unknown as Hook).runtime.seek(0));
  await E.getByTestId('play').click();
  await expect.poll(() => hook(E)(() => (window.__mixroom as unknown as Hook).transport?.position ?? 0), { timeout: 30_000 }).toBeGreaterThan(1.5);
  // The ride: grab the fader, pull it down in steps for about two seconds, let go. Small steps:
  // the lane stays well above −40 dB, where the bounce's samples can be judged (on a fast
  // machine a ride to the bottom left few of them).
  await grabFader(E, name);
  const cap = E.getByTestId(`fader-${name}`).locator('.fader-cap');
  for (let i = 0; i < 8; i++) {
    const box = (await cap.boundingBox())!;
    await E.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 5, { steps: 3 });
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

  // Read: the artist's fader shows the lane at their playhead (not the static value).
  const lane = laneFromPoints(points, CHANNEL_PARAMS.gain);
  const low = points.reduce((a, b) => (b.v < a.v ? b : a));
  for (const t of [Math.max(0, points[0].t - 0.5), low.t]) {
    await hook(A)((s) => (window.__mixroom as unknown as Hook).runtime.seek(s), t);
    // The playhead lands on the transport's tick grid (2.6 ms at 120 bpm), not exactly on t; at the
    // foot of a fast ride that is tenths of a dB: the fader must show the lane where it landed.
    const at = await A.evaluate(() => window.__mixroom!.transport!.position);
    expect(Math.abs(at - t)).toBeLessThan(0.01);
    await expect.poll(async () => Number(await A.getByTestId(`fader-${name}`).getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeCloseTo(valueAt(lane, at), 1);
  }
  await hook(A)(() => (window.__mixroom as unknown as Hook).runtime.seek(0));

  // The artist hears the ride: their live graph (the mix worklet, with the lane as synced to
  // them) plays a steady tone on the ridden channel; its level over time follows the lane.
  // The page sums the capture's power per 50 ms window and sends those sums, not the samples:
  // handing over the whole capture (a million floats through JSON) took longer than the capture
  // itself at load 15.
  A.on('console', (m) => m.text().includes('live capture') && console.log(`[Ari] ${m.text()}`));
  const t0 = Date.now();
  const heard = await hook(A)(
    async ({ id, seconds }) => {
      const h = window.__mixroom as unknown as Hook;
      const state = h.model.getState() as unknown as { channels: Array<{ id: string; stemId: string | null }> };
      const stemId = state.channels.find((c) => c.id === id)!.stemId!;
      const sr = h.Tone.getContext().rawContext.sampleRate;
      const tone = new AudioBuffer({ length: Math.ceil(seconds * sr), numberOfChannels: 1, sampleRate: sr });
      const d = tone.getChannelData(0);
      for (let i = 0; i < d.length; i++) d[i] = 0.25 * Math.sin((2 * Math.PI * 997 * i) / sr);
      const c0 = performance.now();
      const out = await h.captureLive({ stems: new Map([[stemId, tone]]), state, seconds });
      const captureMs = performance.now() - c0;
      const win = Math.round(0.05 * sr);
      const energy: number[] = [];
      for (let i0 = 0; i0 + win <= out[0].length; i0 += win) {
        let e = 0;
        for (let i = i0; i < i0 + win; i++) e += out[0][i] * out[0][i];
        energy.push(e);
      }
      return { energy, win, sampleRate: sr, captureMs };
    },
    { id: ch.id, seconds: points[points.length - 1].t + 1 },
  );
  console.log(`live capture of ${(points[points.length - 1].t + 1).toFixed(1)} s: ${(heard.captureMs / 1000).toFixed(1)} s in the page, ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
  {
    // 50 ms windows: measured level against the lane's mean power in the window, relative to before the ride.
    const { sampleRate: sr, win } = heard;
    const levels: Array<{ t: number; measured: number; want: number }> = heard.energy.map((e, k) => {
      let g = 0;
      for (let i = k * win; i < (k + 1) * win; i++) g += 10 ** (valueAt(lane, i / sr) / 10);
      return { t: (k * win) / sr, measured: 10 * Math.log10(e / win + 1e-30), want: 10 * Math.log10(g / win) };
    });
    const ref = levels.find((l) => l.t >= 0.5 && l.t + 0.05 < points[0].t - 0.1) ?? levels[10];
    const judged = levels.filter((l) => l.t >= 0.2 && l.want > -40);
    const worstHeard = Math.max(...judged.map((l) => Math.abs(l.measured - ref.measured - (l.want - ref.want))));
    console.log(`artist hears the ride within ${worstHeard.toFixed(3)} dB over ${judged.length} windows of 50 ms (lane from ${points[0].t.toFixed(2)} s, low ${low.v.toFixed(1)} dB at ${low.t.toFixed(2)} s)`);
    expect(judged.length).toBeGreaterThan(20);
    expect(judged.some((l) => l.want - ref.want < -6)).toBe(true);
    expect(worstHeard).toBeLessThan(0.5);
  }

  // The bounce with the lane, and with the strip's automation off (the fader's static value).
  await E.getByTestId('bounce-open').click();
  const ridden = await bounce(E);
  // The reference: automation off, the fader back at 0 dB (the ride left it at the bottom).
  await E.getByTestId(`auto-mode-${name}`).selectOption('off');
  await hook(E)((id) => (window.__mixroom as unknown as Hook).model.setChannelGain(id, 0), ch.id);
  const staticDb = 0;
  const plain = await bounce(E);

  // Everything after the fader is linear here (no sends, glue or limiter), so at every sample the
  // ridden bounce over the plain one is the lane's gain over the static one. Read where both are
  // far above the 24-bit floor.
  const sr = ridden.sampleRate;
  const from = Math.max(0, points[0].t - 0.5);
  const to = points[points.length - 1].t + 0.5;
  // Samples of the plain bounce above −50 dBFS: with the lane above −40 dB the ridden one stays
  // above −90 dBFS, where 24-bit rounding moves a ratio by under 0.02 dB. The samples judged are
  // counted and must spread over the ride.
  let worst = 0;
  let measured = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let i = Math.round(from * sr); i < Math.round(to * sr); i++) {
    const want = valueAt(lane, i / sr) - staticDb;
    if (Math.abs(plain.left[i]) < 0.003 || want < -40) continue;
    worst = Math.max(worst, Math.abs(20 * Math.log10(Math.abs(ridden.left[i] / plain.left[i])) - want));
    measured++;
    first = Math.min(first, i / sr);
    last = Math.max(last, i / sr);
  }
  // The level over time, for the log: the bounce's RMS in 1 s steps against the lane.
  const rmsDb = (d: Float32Array, t: number) => {
    let e = 0;
    const n = Math.round(0.05 * sr);
    for (let i = Math.round(t * sr); i < Math.round(t * sr) + n; i++) e += d[i] * d[i];
    return 10 * Math.log10(e / n + 1e-30);
  };
  const steps = [];
  for (let t = Math.floor(from); t < to; t += 1) steps.push(`${t}s ${(rmsDb(ridden.left, t) - rmsDb(plain.left, t)).toFixed(1)}/${valueAt(lane, t + 0.025).toFixed(1)}`);
  console.log(`bounce level vs plain (measured/lane, dB): ${steps.join(', ')}`);
  console.log(`bounce follows the ride within ${worst.toFixed(4)} dB at ${measured} samples from ${first.toFixed(2)} to ${last.toFixed(2)} s (${from.toFixed(2)}–${to.toFixed(2)} s)`);
  expect(measured).toBeGreaterThan(2_000);
  expect(last - first).toBeGreaterThan(1);
  expect(worst).toBeLessThan(0.1);

  await eng.context.close();
  await art.context.close();
});
