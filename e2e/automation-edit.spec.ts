import { expect, test, type Page } from '@playwright/test';
import type { AutomationPoint } from '@mixroom/engine';
import { openAs, slug } from './helpers';
import { addDemoMember, createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

type Hook = {
  model: {
    getState(): { channels: Array<{ id: string; name: string }> };
    automation: { points(key: string): AutomationPoint[] };
  };
};
const points = (page: Page, key: string) => page.evaluate((k) => (window.__mixroom as unknown as Hook).model.automation.points(k), key);

/** Value of a lane at time t (linear segments only, as these tests draw them). */
function valueAt(pts: AutomationPoint[], t: number): number {
  if (t <= pts[0].t) return pts[0].v;
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i];
    const b = pts[i + 1];
    if (t >= a.t && t <= b.t) return a.shape === 'hold' ? a.v : a.v + ((b.v - a.v) * (t - a.t)) / (b.t - a.t);
  }
  return pts[pts.length - 1].v;
}

test('editing lanes: pencil, + lane, range offset and copy/paste, segment shape; each edit one undo step, live at the other browser', async ({ browser, baseURL }) => {
  test.setTimeout(600_000);
  // A session of its own (two short tones, the demo artist a member): the edits are on the lanes,
  // in fractions of the song, and two pages loading the demo's six 64 s stems were most of the time.
  const session = { id: await createSessionAs(baseURL!, `Automation edit ${Date.now().toString(36)}`) };
  await addDemoMember(baseURL!, session.id, 'artist', 'artist');
  for (const [file, hz] of [['Bass.wav', 110], ['Keys.wav', 440]] as const) await uploadStem(baseURL!, session.id, sineWav(file, hz, 8));
  const eng = await openAs(browser, session.id, 'Eve', '#e5484d', 'engineer');
  const E = eng.page;
  const ch = await E.evaluate(() => (window.__mixroom as unknown as Hook).model.getState().channels[0]);
  const name = slug(ch.name);
  const key = `ch:${ch.id}/gain`;
  const art = await openAs(browser, session.id, 'Ari', '#5b9cf5', 'artist');
  const A = art.page;

  await E.getByTestId(`auto-toggle-${name}`).click();
  const lane = E.getByTestId(`auto-lane-${name}-gain`);
  await expect(lane).toBeVisible();
  const box = (await lane.boundingBox())!;
  const x = (f: number) => box.x + box.width * f;
  const y = (f: number) => box.y + box.height * f;

  // Pencil: a stroke from 10 % to 90 % of the song, high to low.
  await E.getByTestId('auto-tool-pencil').click();
  await E.mouse.move(x(0.1), y(0.2));
  await E.mouse.down();
  for (let i = 1; i <= 20; i++) await E.mouse.move(x(0.1 + 0.04 * i), y(0.2 + 0.03 * i));
  await E.mouse.up();
  await expect.poll(async () => (await points(E, key)).length).toBeGreaterThan(1);
  const drawn = await points(E, key);
  console.log(`pencil: ${drawn.length} breakpoints from 21 pointer positions`);
  expect(drawn.length).toBeLessThan(21);
  expect(drawn[0].v).toBeGreaterThan(drawn[drawn.length - 1].v);
  // The artist sees the same curve.
  await expect.poll(async () => JSON.stringify(await points(A, key))).toBe(JSON.stringify(drawn));

  // One undo step takes the whole stroke back (on both sides), redo brings it again.
  await E.keyboard.press('Control+z');
  await expect.poll(async () => (await points(A, key)).length).toBe(0);
  await E.keyboard.press('Control+y');
  await expect.poll(async () => (await points(A, key)).length).toBe(drawn.length);

  // Range: select 40–60 % and offset it by −6 dB; outside the range nothing moves.
  await E.getByTestId('auto-tool-range').click();
  await E.mouse.move(x(0.4), y(0.5));
  await E.mouse.down();
  await E.mouse.move(x(0.6), y(0.5), { steps: 5 });
  await E.mouse.up();
  const tid = `auto-lane-${name}-gain`;
  await expect(E.getByTestId(`${tid}-range`)).toBeVisible();
  await E.getByTestId(`${tid}-offset`).fill('-6');
  await E.getByTestId(`${tid}-offset-apply`).click();
  await expect.poll(async () => (await points(A, key)).length).toBeGreaterThan(drawn.length);
  const shifted = await points(E, key);
  const duration = drawn[drawn.length - 1].t / 0.9;
  const mid = 0.5 * duration;
  expect(valueAt(shifted, mid) - valueAt(drawn, mid)).toBeCloseTo(-6, 1);
  for (const f of [0.2, 0.3, 0.7, 0.8]) expect(valueAt(shifted, f * duration)).toBeCloseTo(valueAt(drawn, f * duration), 1);

  // Copy that range, select 70–90 % and paste it there.
  await E.getByTestId(`${tid}-copy`).click();
  await E.mouse.move(x(0.7), y(0.5));
  await E.mouse.down();
  await E.mouse.move(x(0.9), y(0.5), { steps: 5 });
  await E.mouse.up();
  await E.getByTestId(`${tid}-paste`).click();
  await expect.poll(async () => {
    const now = await points(A, key);
    return valueAt(now, 0.8 * duration) - valueAt(shifted, mid);
  }).toBeCloseTo(0, 0);

  // Right-click a segment: Hold.
  await E.getByTestId('auto-tool-point').click();
  await lane.click({ button: 'right', position: { x: box.width * 0.15, y: box.height * 0.5 } });
  await E.getByTestId(`${tid}-shape-menu`).getByRole('menuitem', { name: 'Hold' }).click();
  await expect.poll(async () => (await points(A, key)).find((p) => p.t <= 0.15 * duration && p.shape === 'hold') !== undefined).toBe(true);

  // + lane: the Low mid gain lane of the same track, a point in it, seen by the artist.
  await E.getByTestId(`auto-add-${name}`).selectOption('eq2.gain');
  const eqLane = E.getByTestId(`auto-lane-${name}-eq2.gain`);
  await expect(eqLane).toBeVisible();
  await eqLane.click({ position: { x: box.width * 0.5, y: 4 } });
  await expect.poll(async () => (await points(A, `ch:${ch.id}/eq2.gain`)).length).toBe(1);
  expect((await points(A, `ch:${ch.id}/eq2.gain`))[0].v).toBeGreaterThan(12);

  await eng.context.close();
  await art.context.close();
});
