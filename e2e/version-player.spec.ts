// The version player (issue 21): two versions that differ only in gain (−6.02 dB) are A/B'd in
// real Chromium. Level-matched, they are the same signal, so the captured output across an A→B
// switch must equal the source sample for sample at the position the clock says (a jump or a
// drift of even one sample would leave a residual as loud as the music). Then click-to-seek,
// a dragged loop range (captured output checked against the wrapped source), the main
// transport's Play stopping the player, and a comment placed on the version's timeline.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { decodeWav, encodeWav } from '../packages/engine/src/audio/wav';
import { ARTIFACTS_DIR, demoCookie, signedInContext } from './helpers';
import { createSessionAs, sineWav, uploadStem } from './support/session-fixtures';
import { captureDeck as capture, deckResidual as residual } from './support/version-deck';

test.setTimeout(300_000);


const SR = 48000;
/** Versions long enough that playback never runs out during the test on a loaded machine. */
const SECONDS = 20;

/** Deterministic noise with slow level changes (every position sounds different), about −15 dBFS RMS. */
function music(gain: number): Uint8Array {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const ch = [0, 1].map(() => Float32Array.from({ length: SR * SECONDS }, (_, i) => gain * 0.3 * rnd() * (0.6 + 0.4 * Math.sin((2 * Math.PI * i) / SR))));
  return encodeWav(ch, SR, { bitDepth: 24, dither: 'none' });
}

test('A/B of two versions is sample-aligned through the switch; seek, loop, transport exclusion, comments on the timeline', async ({ browser, baseURL }) => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const cookie = await demoCookie(baseURL!);
  const id = await createSessionAs(baseURL!, 'Version player');
  try {
    // The new session answers its members before the uploads start (a refusal mid-body is only an EPIPE here).
    await expect.poll(async () => (await fetch(`${baseURL}/api/sessions/${id}`, { headers: { cookie } })).status, { timeout: 30_000 }).toBe(200);
    await uploadStem(baseURL!, id, sineWav('vp-tone.wav', 220, 6));
    const loud = music(1);
    const quiet = music(0.5);
    const source = decodeWav(loud).channels[0];
    const versions: number[] = [];
    for (const [bytes, notes] of [[loud, 'loud'], [quiet, 'quiet']] as const) {
      const up = await fetch(`${baseURL}/api/sessions/${id}/versions?source=upload&notes=${notes}`, { method: 'POST', headers: { cookie, 'content-type': 'audio/wav' }, body: Buffer.from(bytes) });
      expect(up.status).toBe(201);
      versions.push(((await up.json()) as { number: number }).number);
    }

    const context = await signedInContext(browser, 'engineer');
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    await page.goto(`/s/${id}`);
    await expect(page.getByTestId('mixer')).toHaveAttribute('data-stems-state', 'done', { timeout: 120_000 });
    await page.getByTestId('tab-versions').click();
    const row = (n: number) => page.getByTestId(`version-v${n}`);
    // Durations are known before anything plays.
    await expect(row(versions[0]).getByTestId('version-duration')).toHaveText('0:20.0');

    await row(versions[0]).getByTestId('compare').check();
    await row(versions[1]).getByTestId('compare').check();
    const player = page.getByTestId('version-player');
    await expect(player).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });
    await expect(player.getByTestId('deck-time')).toHaveText('0:00.0 / 0:20.0');
    const trims = [Number(await player.getByTestId('ab-a').getAttribute('data-trim-db')), Number(await player.getByTestId('ab-b').getAttribute('data-trim-db'))];
    console.log('trims (A, B):', trims);
    expect(trims[0]).toBeCloseTo(-6.02, 2);
    expect(trims[1]).toBe(0);

    // A → B while playing: the output is the same signal, sample for sample, through the switch.
    await player.getByTestId('deck-play').click();
    await expect(player).toHaveAttribute('data-state', 'playing');
    const ab = await capture(page, 1.5, 600);
    await expect(player).toHaveAttribute('data-heard', 'b');
    await expect(player).toHaveAttribute('data-state', 'playing');
    const r = residual(ab, source, 0.5);
    console.log(`A→B switch at ${ab.switchAt?.toFixed(3)} s: residual max ${(20 * Math.log10(r.max + 1e-12)).toFixed(1)} dBFS, rms ${(20 * Math.log10(r.rms / r.signalRms + 1e-12)).toFixed(1)} dB below the signal; sound ${r.lateFrames} frames after the clock`);
    expect(r.signalRms).toBeGreaterThan(0.01);
    // 24-bit sources and a trim from measured loudness: well under −80 dBFS. One sample of drift would be ≈ −10 dBFS.
    expect(r.max).toBeLessThan(1e-4);
    // And the switch really happened mid-capture: B is heard, A silent after the fade.
    expect(ab.switchAt! * ab.sr).toBeGreaterThan(ab.startFrame);

    // Click-to-seek at 50 % of the timeline: playback goes on from 10 s, sample-aligned.
    const timeline = player.getByTestId('deck-timeline');
    const box = (await timeline.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2);
    await expect.poll(() => page.evaluate(() => window.__mixroomDeck!.timing.offset)).toBeCloseTo(10, 1);
    await expect(player).toHaveAttribute('data-state', 'playing');
    const sought = await capture(page, 0.5, null);
    const sr2 = residual(sought, source, 0.5);
    expect(sought.offset).toBeCloseTo(10, 1);
    expect(sr2.signalRms).toBeGreaterThan(0.01);
    expect(sr2.max).toBeLessThan(1e-4);

    // Drag 20 % → 25 % (4–5 s) to loop it: after the end of the range, playback wraps to its start.
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect(player.getByTestId('deck-loop-off')).toBeVisible();
    const loop = (await page.evaluate(() => window.__mixroomDeck!.loop))!;
    expect(loop.start).toBeCloseTo(4, 0);
    expect(loop.end).toBeCloseTo(5, 0);
    const looped = await capture(page, 2.5, null);
    const lr = residual(looped, source, 0.5);
    console.log(`loop ${loop.start.toFixed(3)}–${loop.end.toFixed(3)} s: residual max ${(20 * Math.log10(lr.max + 1e-12)).toFixed(1)} dBFS over 2.5 s (two wraps); seek ${sr2.lateFrames}, loop ${lr.lateFrames} frames after the clock`);
    expect(looped.loop).toEqual(loop);
    expect(lr.signalRms).toBeGreaterThan(0.01);
    expect(lr.max).toBeLessThan(1e-4);
    // Without the wrap the same capture would not match: the check can fail.
    expect(residual({ ...looped, loop: null }, source, 0.5).max).toBeGreaterThan(0.01);
    const pos = await page.evaluate(() => window.__mixroomDeck!.position);
    await expect(player).toHaveAttribute('data-state', 'playing');
    expect(pos).toBeGreaterThanOrEqual(loop.start - 0.01);
    expect(pos).toBeLessThan(loop.end + 0.01);
    await page.getByTestId('version-player').screenshot({ path: path.join(ARTIFACTS_DIR, 'version-player.png') });

    // The main transport's Play stops the version player; the player's Play pauses the transport.
    await page.getByTestId('play').click();
    await expect(player).toHaveAttribute('data-state', 'stopped');
    await expect.poll(() => page.evaluate(() => window.__mixroom?.transport?.state)).toBe('started');
    await player.getByTestId('deck-play').click();
    await expect(player).toHaveAttribute('data-state', 'playing');
    await expect.poll(() => page.evaluate(() => window.__mixroom?.transport?.state)).not.toBe('started');

    // A comment on the heard version's loop range shows on its timeline and is stored with the version.
    await player.getByTestId('deck-comment-input').fill('hi-hat harsh here');
    await player.getByTestId('deck-comment-send').click();
    await expect(player.getByTestId('deck-comment')).toHaveCount(1);
    const list = (await (await fetch(`${baseURL}/api/sessions/${id}/comments`, { headers: { cookie } })).json()) as { comments: Array<{ body: string; versionId: string | null; atSec: number; endSec: number | null }> };
    const placed = list.comments.find((c) => c.body === 'hi-hat harsh here')!;
    expect(placed.versionId).not.toBeNull();
    expect(placed.atSec).toBeCloseTo(loop.start, 3);
    expect(placed.endSec).toBeCloseTo(loop.end, 3);
    await player.getByTestId('deck-play').click();
    await context.close();
  } finally {
    await fetch(`${baseURL}/api/sessions/${id}`, { method: 'DELETE', headers: { cookie } });
  }
});
