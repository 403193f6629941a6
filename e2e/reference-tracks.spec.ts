// Reference tracks (issue 21) in real Chromium: a commercial-style reference (an MP3 made by
// ffmpeg from sox pink noise, 12 dB quieter than the master) is uploaded through the page; its
// loudness is shown as ffmpeg's ebur128 reads it and its spectrum is drawn next to the version's;
// A/B against a version is level-matched (the trims equal ffmpeg's loudness gap, and the captured
// output is as loud on both sides) and the switch does not restart playback (same start frame);
// then the live mix joins the same deck (rendered in the page, level-matched by its integrated
// loudness as ffmpeg reads that render) and version → live mix → reference are switched on one
// start frame inside a loop: after each switch the captured output is that side's samples at the
// position the audio clock gives (the position is kept); approving records the reference compared with.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ARTIFACTS_DIR, demoCookie, signedInContext } from './helpers';
import { createSessionAs, sineWav, uploadStem } from './support/session-fixtures';
import { encodeWav } from '../packages/engine/src/audio/wav';
import { captureDeck, deckOutputRmsDb, deckResidual } from './support/version-deck';

test.setTimeout(300_000);


const dir = path.join(ARTIFACTS_DIR, 'reference-tracks');

/** ffmpeg's ebur128 reading of a file: integrated loudness (LUFS). */
function ffmpegIntegrated(file: string): number {
  const out = execFileSync('ffmpeg', ['-nostdin', '-nostats', '-hide_banner', '-i', file, '-af', 'ebur128=metadata=1,ametadata=mode=print:file=-', '-f', 'null', '-'], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  return Number([...out.matchAll(/^lavfi\.r128\.I=(\S+)$/gm)].pop()![1]);
}


test('upload a reference, see its loudness and spectrum, A/B it level-matched against a version, approve with it', async ({ browser, baseURL }) => {
  mkdirSync(dir, { recursive: true });
  const master = path.join(dir, 'master.wav');
  const refWav = path.join(dir, 'ref.wav');
  const refMp3 = path.join(dir, 'Night Reference.mp3');
  execFileSync('sox', ['-R', '-n', '-r', '48000', '-c', '2', '-b', '24', master, 'synth', '20', 'pinknoise', 'vol', '0.5']);
  execFileSync('sox', ['-R', '-n', '-r', '44100', '-c', '2', '-b', '16', refWav, 'synth', '20', 'pinknoise', 'vol', '0.125']);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', refWav, '-c:a', 'libmp3lame', '-b:a', '320k', refMp3]);
  const masterLufs = ffmpegIntegrated(master);
  const refLufs = ffmpegIntegrated(refMp3);
  console.log(`ffmpeg: master ${masterLufs} LUFS, reference ${refLufs} LUFS`);

  const cookie = await demoCookie(baseURL!);
  const id = await createSessionAs(baseURL!, 'Reference tracks');
  try {
    await expect.poll(async () => (await fetch(`${baseURL}/api/sessions/${id}`, { headers: { cookie } })).status, { timeout: 30_000 }).toBe(200);
    await uploadStem(baseURL!, id, sineWav('ref-tone.wav', 220, 6));
    const up = await fetch(`${baseURL}/api/sessions/${id}/versions?source=upload&notes=master`, { method: 'POST', headers: { cookie, 'content-type': 'audio/wav' }, body: readFileSync(master) });
    expect(up.status).toBe(201);
    const version = (await up.json()) as { number: number };

    const context = await signedInContext(browser, 'engineer');
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    await page.goto(`/s/${id}`);
    await expect(page.getByTestId('mixer')).toHaveAttribute('data-stems-state', 'done', { timeout: 120_000 });
    await page.getByTestId('tab-versions').click();

    // Upload through the page: the server measures it; the row shows its loudness.
    await page.getByTestId('upload-reference').setInputFiles(refMp3);
    const row = page.getByTestId('reference');
    await expect(row).toHaveCount(1, { timeout: 60_000 });
    await expect(row).toContainText('Night Reference');
    const shown = Number(/(-?\d+\.\d) LUFS/.exec((await row.getByTestId('reference-loudness').textContent())!)![1]);
    expect(Math.abs(shown - refLufs)).toBeLessThanOrEqual(0.15);
    // Not a stem: the mixer still has one channel.
    const detail = (await (await fetch(`${baseURL}/api/sessions/${id}`, { headers: { cookie } })).json()) as { stems: unknown[] };
    expect(detail.stems).toHaveLength(1);

    // Uploading chose it for comparison; open the version: A = the version, B = the reference.
    await expect(row.getByTestId('reference-compare')).toHaveAttribute('aria-pressed', 'true');
    await page.getByTestId(`version-v${version.number}`).getByTestId('version-play').click();
    const player = page.getByTestId('version-player');
    await expect(player).toHaveAttribute('data-loaded', 'true', { timeout: 60_000 });
    await expect(player.getByTestId('ab-b')).toContainText('ref “Night Reference”');
    const trims = [Number(await player.getByTestId('ab-a').getAttribute('data-trim-db')), Number(await player.getByTestId('ab-b').getAttribute('data-trim-db'))];
    console.log(`trims A (version) ${trims[0]} dB, B (reference) ${trims[1]} dB; ffmpeg's gap ${(refLufs - masterLufs).toFixed(2)} dB`);
    expect(Math.abs(trims[0] - (refLufs - masterLufs))).toBeLessThan(0.2);
    expect(trims[1]).toBe(0);

    // Loudness figures and both spectra side by side.
    const compare = player.getByTestId('deck-compare');
    await expect(compare).toHaveAttribute('data-spectra-ready', 'true', { timeout: 60_000 });
    await expect(compare.getByTestId('figure-integrated-1')).toHaveText(`${shown.toFixed(1)} LUFS`);
    const levels = JSON.parse((await compare.getByTestId('spectrum-canvas').getAttribute('data-levels'))!) as Array<Array<number | null>>;
    // Both are pink noise: flat per band (31.5 Hz – 12.5 kHz: bands 2…28), 12 dB apart.
    const mid = (l: Array<number | null>) => l.slice(2, 29) as number[];
    for (const l of levels) expect(Math.max(...mid(l)) - Math.min(...mid(l))).toBeLessThan(2);
    const gap = mid(levels[0]).reduce((a, x, i) => a + x - mid(levels[1])[i], 0) / mid(levels[0]).length;
    expect(gap).toBeCloseTo(12.04, 0);
    await player.screenshot({ path: path.join(dir, 'reference-ab.png') });

    // Play A, switch to B: the same sources keep running (one start frame), and B is as loud as A.
    await player.getByTestId('deck-play').click();
    await expect(player).toHaveAttribute('data-state', 'playing');
    const before = await page.evaluate(() => window.__mixroomDeck!.timing);
    const rmsA = await deckOutputRmsDb(page, 1.5);
    await player.getByTestId('ab-b').click();
    await expect(player).toHaveAttribute('data-heard', 'b');
    await page.waitForTimeout(100);
    const rmsB = await deckOutputRmsDb(page, 1.5);
    const after = await page.evaluate(() => window.__mixroomDeck!.timing);
    console.log(`output RMS: A ${rmsA.toFixed(2)} dBFS, B ${rmsB.toFixed(2)} dBFS`);
    expect(after).toEqual(before);
    expect(Math.abs(rmsA - rmsB)).toBeLessThan(0.5);
    // Unmatched, they would be 12 dB apart: the check can fail.
    expect(Math.abs(rmsA - trims[0] - rmsB)).toBeGreaterThan(10);
    await player.getByTestId('deck-play').click();
    await expect(player).toHaveAttribute('data-state', 'stopped');

    // Loop 0.5–1.5 s (2.5–7.5 % of the 20 s timeline: inside the 6 s song the live mix renders) and start in it.
    const box = (await player.getByTestId('deck-timeline').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.025, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.075, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect(player.getByTestId('deck-loop-off')).toBeVisible();
    await page.mouse.click(box.x + box.width * 0.03, box.y + box.height / 2);
    await expect.poll(() => page.evaluate(() => window.__mixroomDeck!.position)).toBeCloseTo(0.6, 1);
    await player.getByTestId('ab-a').click();

    // The live mix as side C: rendered here, in the same deck.
    await player.getByTestId('deck-live').click();
    const live = player.getByTestId('ab-c');
    await expect(live).toHaveAttribute('data-live', 'true', { timeout: 120_000 });
    await expect(live).toContainText('C: Live mix');
    const rendered = await page.evaluate(() => {
      const b = window.__mixroomDeck!.sides[2].buffer;
      return { sr: b.sampleRate, seconds: b.duration, channels: [0, 1].map((c) => Array.from(b.getChannelData(Math.min(c, b.numberOfChannels - 1)))) };
    });
    const liveWav = path.join(dir, 'live-render.wav');
    writeFileSync(liveWav, encodeWav(rendered.channels.map((c) => Float32Array.from(c)), rendered.sr, { bitDepth: 24, dither: 'none' }));
    const liveLufs = ffmpegIntegrated(liveWav);
    const quietest = Math.min(masterLufs, refLufs, liveLufs);
    const sideTrims = await Promise.all(['ab-a', 'ab-b', 'ab-c'].map(async (t) => Number(await player.getByTestId(t).getAttribute('data-trim-db'))));
    console.log(`live mix render ${rendered.seconds.toFixed(2)} s, ffmpeg ${liveLufs} LUFS; trims A ${sideTrims[0]}, B ${sideTrims[1]}, C ${sideTrims[2]} dB`);
    expect(rendered.seconds).toBeCloseTo(6, 1);
    // Each side turned down to the quietest one, by ffmpeg's readings of what the deck plays.
    expect(Math.abs(sideTrims[0] - (quietest - masterLufs))).toBeLessThan(0.2);
    expect(Math.abs(sideTrims[1] - (quietest - refLufs))).toBeLessThan(0.2);
    expect(Math.abs(sideTrims[2] - (quietest - liveLufs))).toBeLessThan(0.2);
    // Its figures and spectrum join the comparison: a 220 Hz sine, so its 200 Hz band stands out.
    const liveShown = Number(/(-?\d+\.\d) LUFS/.exec((await compare.getByTestId('figure-integrated-2').textContent())!)![1]);
    expect(Math.abs(liveShown - liveLufs)).toBeLessThanOrEqual(0.15);
    const withLive = JSON.parse((await compare.getByTestId('spectrum-canvas').getAttribute('data-levels'))!) as Array<Array<number | null>>;
    expect(withLive).toHaveLength(3);
    const liveBands = withLive[2].map((x) => x ?? -200);
    expect(liveBands.indexOf(Math.max(...liveBands))).toBe(10); // the 200 Hz band (178–224 Hz) holds 220 Hz
    await page.setViewportSize({ width: 1280, height: 720 });
    await player.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(dir, 'deck-live-1280.png') });

    // A → C (live) → B (reference) while looping: one start frame throughout, and after each switch
    // the output is that side's own samples at the clock's position (a jump of one frame would be ≈ the music).
    await player.getByTestId('deck-play').click();
    await expect(player).toHaveAttribute('data-state', 'playing');
    const started = await page.evaluate(() => window.__mixroomDeck!.timing);
    const sides = await page.evaluate(() => window.__mixroomDeck!.sides.map((s) => ({ trimDb: s.trimDb, left: Array.from(s.buffer.getChannelData(0).subarray(0, 2 * s.buffer.sampleRate)) })));
    const check = async (to: 'ab-c' | 'ab-b', side: number) => {
      const c = await captureDeck(page, 1.2, 300, to);
      // From 50 ms after the press: past the 15 ms crossfade that starts on the next render quantum.
      const from = Math.round((c.switchAt! + 0.05) * c.sr) - c.startFrame;
      const r = deckResidual(c, Float32Array.from(sides[side].left), 10 ** (Math.min(0, sides[side].trimDb) / 20), from);
      console.log(`switch to ${to}: residual max ${(20 * Math.log10(r.max + 1e-12)).toFixed(1)} dBFS, signal ${(20 * Math.log10(r.signalRms)).toFixed(1)} dBFS`);
      expect(c.loop).toEqual(await page.evaluate(() => window.__mixroomDeck!.loop));
      expect(r.signalRms).toBeGreaterThan(0.005);
      expect(r.max).toBeLessThan(1e-4);
      // The wrong side at the right place cannot pass: the check can fail.
      expect(deckResidual(c, Float32Array.from(sides[side === 2 ? 0 : 2].left), 1, from).max).toBeGreaterThan(0.01);
    };
    await check('ab-c', 2);
    await expect(player).toHaveAttribute('data-heard', 'c');
    await check('ab-b', 1);
    await expect(player).toHaveAttribute('data-heard', 'b');
    expect(await page.evaluate(() => window.__mixroomDeck!.timing)).toEqual(started);
    // Removing the live mix while playing goes on where playback was: the sides restart on one frame
    // at the position the old start gives for it (wrapped in the loop), still playing, B still heard.
    await player.getByTestId('deck-live').click();
    await expect(player.locator('[data-live="true"]')).toHaveCount(0);
    const restarted = await page.evaluate(() => ({ ...window.__mixroomDeck!.timing, loop: window.__mixroomDeck!.loop! }));
    await expect(player).toHaveAttribute('data-state', 'playing');
    await expect(player).toHaveAttribute('data-heard', 'b');
    const { loop } = restarted;
    let expected = started.offset + (restarted.startedAt! - started.startedAt!);
    if (expected >= loop.end) expected = loop.start + ((expected - loop.start) % (loop.end - loop.start));
    console.log(`live mix removed while playing: restarted at ${restarted.offset.toFixed(5)} s, the old start gives ${expected.toFixed(5)} s`);
    expect(Math.abs(restarted.offset - expected)).toBeLessThan(0.5 / 48000);
    await player.getByTestId('deck-play').click();
    await player.getByTestId('deck-loop-off').click();

    // Approving records the reference compared with.
    const vrow = page.getByTestId(`version-v${version.number}`);
    await vrow.getByTestId('approve').click();
    await expect(vrow.getByTestId('approve-reference')).toHaveText('Night Reference');
    await vrow.getByTestId('approve-confirm-yes').click();
    await expect(vrow.getByTestId('decision-reference')).toContainText('Night Reference');

    // The phone layout (its own tabs: the review panel starts on Comments there), the live mix added again.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('tab-versions').click();
    if (!(await player.isVisible())) await vrow.getByTestId('version-play').click();
    await expect(player).toHaveAttribute('data-loaded', 'true', { timeout: 60_000 });
    if ((await player.getByTestId('deck-live').getAttribute('data-on')) !== 'true') await player.getByTestId('deck-live').click();
    // (The layout change re-mounted the panel: the reference is no longer chosen, so the live mix is B here.)
    await expect(player.locator('[data-live="true"]')).toBeVisible({ timeout: 120_000 });
    await player.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(dir, 'deck-live-390.png') });
    await context.close();
  } finally {
    await fetch(`${baseURL}/api/sessions/${id}`, { method: 'DELETE', headers: { cookie } });
  }
});
