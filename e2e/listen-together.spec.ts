import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { ARTIFACTS_DIR, openAs, signedInContext } from './helpers';
import { createSessionAs, sessionAs, sineWav, uploadStem } from './support/session-fixtures';

interface TogetherProbe {
  enabled: boolean;
  clockReady: boolean;
  uncertaintyMs: number;
  lastStart: { serverMs: number; position: number; seq: number } | null;
  /** Server time at which song position 0 would have played, read back from the AudioContext timeline. */
  origin: number | null;
  position: number;
  /** Wall-clock time (ms, shared by both pages on this machine) at which `position` was read. */
  readAtMs: number;
  state: string;
  info: string;
}

/** Reads "Listen together" through the documented window.__mixroom hook: AudioContext-scheduled starts mapped to server time. */
function probe(page: Page): Promise<TogetherProbe> {
  return page.evaluate(() => {
    const rt = (window as unknown as { __mixroom: { runtime: any; transport: { position: number; state: string } } }).__mixroom;
    const together = rt.runtime.together;
    const snap = together.getSnapshot();
    return {
      enabled: snap.enabled,
      clockReady: snap.clockReady,
      uncertaintyMs: snap.uncertaintyMs,
      lastStart: together.lastStart,
      origin: together.measurePlaybackOrigin(),
      position: rt.transport.position,
      readAtMs: performance.timeOrigin + performance.now(),
      state: rt.transport.state,
      info: document.querySelector('[data-testid="together-last"]')?.textContent ?? '',
    };
  });
}

async function clickTimelineAt(page: Page, seconds: number, duration: number): Promise<void> {
  const box = (await page.getByTestId('timeline').boundingBox())!;
  await page.mouse.click(box.x + (seconds / duration) * box.width, box.y + 10);
}

test('listen together: one transport for the group, starts within 10 ms, and a way to step out', async ({ browser, baseURL }) => {
  // Three browsers, two of them playing audio, while the third decodes every stem: on a 2-core
  // machine one click on Cleo's page has taken 70 s (CI of 2026-11-24), so the default 180 s is
  // too tight for the whole story. The sync assertions themselves keep their own short timeouts.
  test.setTimeout(420_000);
  // A session of its own: two tones as long as the demo song (the seeks and the steps below are
  // timed for 64 s), where the demo's six 24-bit stems made each of the three pages load 110 MB.
  const sessionId = await createSessionAs(baseURL!, `Listen together ${Date.now().toString(36)}`);
  for (const [file, hz] of [['Bass.wav', 110], ['Keys.wav', 440]] as const) await uploadStem(baseURL!, sessionId, sineWav(file, hz, 64));
  const session = await sessionAs(baseURL!, sessionId);
  const duration = Math.max(...session.stems.map((s) => s.durationSec));
  const ana = await openAs(browser, session.id, 'Ana', '#e5484d');
  const ben = await openAs(browser, session.id, 'Ben', '#3ecf8e');
  const A = ana.page;
  const B = ben.page;

  for (const page of [A, B]) {
    await page.getByTestId('together').click();
    await expect(page.getByTestId('together')).toHaveAttribute('aria-pressed', 'true');
  }
  for (const page of [A, B]) await expect.poll(async () => (await probe(page)).clockReady, { timeout: 20_000 }).toBe(true);
  // Each sees the other as "listening together".
  await expect(A.locator('[data-testid="avatar-Ben"][data-together="true"]')).toBeVisible();

  // A puts the playhead at 0:10 and presses play: both browsers schedule the same start.
  await clickTimelineAt(A, 10, duration);
  await expect.poll(async () => (await probe(B)).position, { timeout: 5000 }).toBeCloseTo(10, 0);
  await A.getByTestId('play').click();
  await expect.poll(async () => (await probe(B)).state, { timeout: 15_000 }).toBe('started');
  const [pa, pb] = [await probe(A), await probe(B)];
  expect(pa.lastStart && pb.lastStart).toBeTruthy();
  expect(pa.lastStart!.seq).toBe(pb.lastStart!.seq);
  // (lastStart is the latest (re)start: after a re-align on a busy machine it is later than 0:10.)
  // What each browser is actually playing, from its AudioContext timeline mapped to server time.
  // An audio dropout on this busy 2-core machine delays one output for good; the client re-aligns
  // (a jump past 12 ms, rate nudges below), so allow some seconds for the group to be within 10 ms.
  const spread = async () => {
    const [oa, ob] = [(await probe(A)).origin, (await probe(B)).origin];
    return oa !== null && ob !== null ? Math.abs(oa - ob) : Infinity;
  };
  await B.waitForTimeout(300);
  const first = await spread();
  await expect.poll(spread, { timeout: 10_000, intervals: [250] }).toBeLessThan(10);
  console.log(
    `playback spread between A and B: ${first.toFixed(2)} ms just after the start, ${(await spread()).toFixed(2)} ms settled ` +
      `(clock uncertainty A ±${pa.uncertaintyMs.toFixed(2)} ms, B ±${pb.uncertaintyMs.toFixed(2)} ms)`,
  );
  expect(pa.lastStart!.position).toBeGreaterThan(9.5);
  expect(pb.info).toMatch(/Ana started playback at 0:(09|10)/);

  // Both positions move on together.
  await B.waitForTimeout(1500);
  const [ra, rb] = await Promise.all([probe(A), probe(B)]);
  expect(ra.position).toBeGreaterThan(10.5);
  // The two reads are not simultaneous on a busy machine: compare at a common wall-clock time.
  const atA = rb.position + (ra.readAtMs - rb.readAtMs) / 1000;
  expect(Math.abs(ra.position - atA)).toBeLessThan(0.25);

  // A seeks; B follows.
  await clickTimelineAt(A, 30, duration);
  await expect.poll(async () => (await probe(B)).lastStart?.position ?? 0, { timeout: 5000 }).toBeGreaterThan(29.5);
  expect((await probe(B)).info).toMatch(/Ana jumped to 0:(29|30)/);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await A.screenshot({ path: `${ARTIFACTS_DIR}/listen-together.png` });

  // B steps out, seeks alone; A is unaffected: no new start, and A's position runs on from where it was by the clock
  // (a loaded machine takes seconds over these steps, so where A is depends on how long they took).
  // (The jump is scheduled a moment ahead: A's clock reading is taken once A plays from there.)
  await expect.poll(async () => (await probe(A)).position, { timeout: 5000 }).toBeGreaterThan(29.5);
  const a1 = await probe(A);
  await B.getByTestId('together').click();
  await expect(B.getByTestId('together')).toHaveAttribute('aria-pressed', 'false');
  await clickTimelineAt(B, 50, duration);
  await expect.poll(async () => (await probe(B)).position, { timeout: 5000 }).toBeGreaterThan(49.5);
  const a2 = await probe(A);
  expect(a2.state).toBe('started');
  // No new group start (A may realign its own, a few ms, right after the jump: same seq).
  expect(a2.lastStart?.seq).toBe(a1.lastStart?.seq);
  expect(a2.position).toBeGreaterThan(29.5);
  expect(Math.abs(a2.position - (a1.position + (a2.readAtMs - a1.readAtMs) / 1000))).toBeLessThan(0.25);

  // B rejoins at the group's position.
  await B.getByTestId('together').click();
  await expect.poll(async () => Math.abs((await probe(B)).position - (await probe(A)).position), { timeout: 5000 }).toBeLessThan(0.3);

  // The group loops the song, so it is still playing however long Cleo's stems take to load
  // on a busy machine (the song is only 64 s).
  await A.getByTestId('loop').click();
  await expect(A.getByTestId('loop')).toHaveAttribute('aria-pressed', 'true', { timeout: 5000 });

  // Cleo arrives while the group plays and turns "Listen together" on before her stems have loaded:
  // the others see her as loading, and she joins the running playback, in sync, once ready.
  const cleo = await signedInContext(browser);
  await cleo.addInitScript(() => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: 'Cleo', color: '#f5a524' })));
  const C = await cleo.newPage();
  await C.goto(`/s/${session.id}`);
  await expect(C.getByTestId('together')).toBeEnabled({ timeout: 30_000 });
  await C.getByTestId('together').click();
  await expect(A.locator('[data-testid="avatar-Cleo"][data-together="true"]')).toBeVisible();
  await expect(C.getByTestId('mixer')).toHaveAttribute('data-stems-state', 'done', { timeout: 120_000 });
  await expect(A.locator('[data-testid="avatar-Cleo"][data-loading="false"]')).toBeVisible();
  await expect.poll(async () => (await probe(C)).state, { timeout: 10_000 }).toBe('started');
  await expect
    .poll(async () => {
      const [oa, oc] = [(await probe(A)).origin, (await probe(C)).origin];
      return oa !== null && oc !== null ? Math.abs(oa - oc) : Infinity;
    }, { timeout: 5000, intervals: [250] })
    .toBeLessThan(10);
  await cleo.close();

  await ana.context.close();
  await ben.context.close();
});
