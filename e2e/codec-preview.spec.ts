// Codec preview (issue 21) in real Chromium: a master normalised to −1 dBFS sample peak is encoded
// and decoded in the page as MP3 128 (LAME in WebAssembly) and Opus 128 (WebCodecs). The decoded
// true peak is judged against the session's delivery target's ceiling (Amazon Music's −2 dBTP, with
// the master limiter's −1 dBTP named beside it; Spotify's −1 once the target changes) and agrees with ffmpeg's reading of the same
// master through the reference `lame` at 128 kbps; the codecs' delays are found (LAME's 1105
// frames; Opus's pre-skip Chromium's decoder already takes out); switching to "decoded" keeps the sources running (same start frame); and what the
// player plays as "what it removes" is as far below the music as the page says.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ARTIFACTS_DIR, demoCookie, signedInContext } from './helpers';
import { createSessionAs, sineWav, uploadStem } from './support/session-fixtures';
import { deckOutputRmsDb } from './support/version-deck';

test.setTimeout(300_000);


const dir = path.join(ARTIFACTS_DIR, 'codec-preview');
/** A figure as the page prints it (typographic minus) back to a number. */
const num = (s: string) => Number(s.replace('−', '-'));

function ffmpegTruePeak(file: string): number {
  const out = execFileSync('ffmpeg', ['-nostdin', '-nostats', '-hide_banner', '-i', file, '-af', 'ebur128=peak=true:metadata=1,ametadata=mode=print:file=-', '-f', 'null', '-'], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  return 20 * Math.log10(Number([...out.matchAll(/^lavfi\.r128\.true_peak=(\S+)$/gm)].pop()![1]));
}


test('codec preview: MP3 128 and Opus decoded in the page, true peak against the ceiling, the difference audible', async ({ browser, baseURL }) => {
  mkdirSync(dir, { recursive: true });
  const master = path.join(dir, 'master.wav');
  execFileSync('sox', ['-R', '-n', '-r', '48000', '-c', '2', '-b', '24', master, 'synth', '30', 'pinknoise', 'gain', '-n', '-1']);
  const mp3 = path.join(dir, 'lame-128.mp3');
  execFileSync('lame', ['--quiet', '-b', '128', '--cbr', master, mp3]);
  const lameTp = ffmpegTruePeak(mp3);

  const cookie = await demoCookie(baseURL!);
  const id = await createSessionAs(baseURL!, 'Codec preview');
  try {
    await expect.poll(async () => (await fetch(`${baseURL}/api/sessions/${id}`, { headers: { cookie } })).status, { timeout: 30_000 }).toBe(200);
    await uploadStem(baseURL!, id, sineWav('codec-tone.wav', 220, 6));
    const up = await fetch(`${baseURL}/api/sessions/${id}/versions?source=upload&notes=master`, { method: 'POST', headers: { cookie, 'content-type': 'audio/wav' }, body: readFileSync(master) });
    expect(up.status).toBe(201);
    const version = (await up.json()) as { number: number };

    const context = await signedInContext(browser, 'engineer');
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    await page.goto(`/s/${id}`);
    await expect(page.getByTestId('mixer')).toHaveAttribute('data-stems-state', 'done', { timeout: 120_000 });
    await page.getByTestId('tab-versions').click();
    await page.getByTestId(`version-v${version.number}`).getByTestId('version-play').click();
    const player = page.getByTestId('version-player');
    await expect(player).toHaveAttribute('data-loaded', 'true', { timeout: 60_000 });

    // The session delivers to Amazon Music (−2 dBTP); the master limiter stays at its −1 dBTP.
    await page.evaluate(() => (window.__mixroom as unknown as { runtime: { model: { setDeliveryTarget(id: string): boolean } } }).runtime.model.setDeliveryTarget('amazon-music'));

    // MP3 128 in the page.
    await player.getByTestId('codec-mp3-128').click();
    const result = player.getByTestId('codec-result');
    await expect(result).toBeVisible({ timeout: 120_000 });
    const tp = Number(await result.getAttribute('data-true-peak'));
    const diffDb = Number(await result.getAttribute('data-difference-db'));
    console.log(`MP3 128 in the page: decoded TP ${tp} dBTP (lame + ffmpeg: ${lameTp.toFixed(2)}), difference ${diffDb} dB, delay ${await result.getAttribute('data-delay')}`);
    expect(Math.abs(tp - lameTp)).toBeLessThan(0.5);
    expect(await result.getAttribute('data-delay')).toBe('1105');
    expect(diffDb).toBeLessThan(-10);
    // Judged against Amazon's −2 (named), with the limiter's −1 beside it; the figures are the decoded peak's distances to each.
    await expect(result).toHaveAttribute('data-ceiling', '-2.0');
    await expect(result).toHaveAttribute('data-limiter-ceiling', '-1.0');
    expect(Math.abs(num((await result.textContent())!.match(/true peak (−?\d+\.\d) dBTP/)![1]) - tp)).toBeLessThanOrEqual(0.06);
    // Each ceiling's line says how far over (the decoded peak minus the ceiling) or that it is under.
    const verdict = async (testId: string, ceiling: number, name: RegExp) => {
      const said = (await result.getByTestId(testId).textContent())!;
      const m = said.match(new RegExp(`^(?:(\\d+\\.\\d) dB over|Under) ${name.source}`));
      expect(m, said).not.toBeNull();
      if (m![1] === undefined) expect(tp, said).toBeLessThanOrEqual(ceiling + 0.05);
      else expect(Math.abs(num(m![1]) - (tp - ceiling)), said).toBeLessThanOrEqual(0.06);
    };
    await verdict('codec-ceiling', -2, /Amazon Music’s −2\.0 dBTP ceiling \(the session’s delivery target\)/);
    await verdict('codec-limiter', -1, /the master limiter’s −1\.0 dBTP ceiling/);
    await expect(player.getByTestId('ab-b')).toContainText('MP3 128 decoded');
    await expect(player.getByTestId('ab-c')).toContainText('what MP3 128 removes');
    await page.setViewportSize({ width: 1280, height: 720 });
    await player.screenshot({ path: path.join(dir, 'codec-preview.png') });
    // Changing the target re-judges the preview shown: Spotify's ceiling is the limiter's, named once.
    await page.evaluate(() => (window.__mixroom as unknown as { runtime: { model: { setDeliveryTarget(id: string): boolean } } }).runtime.model.setDeliveryTarget('spotify'));
    await expect(result).toHaveAttribute('data-ceiling', '-1.0');
    await expect(result).not.toHaveAttribute('data-limiter-ceiling');
    await verdict('codec-ceiling', -1, /Spotify’s −1\.0 dBTP ceiling \(the session’s delivery target\)/);
    await expect(result.getByTestId('codec-limiter')).toHaveCount(0);

    // Switching between original, decoded and difference does not restart anything; the difference is as quiet as said.
    await player.getByTestId('deck-play').click();
    await expect(player).toHaveAttribute('data-state', 'playing');
    const before = await page.evaluate(() => window.__mixroomDeck!.timing);
    const music = await deckOutputRmsDb(page, 1.5);
    await player.getByTestId('ab-b').click();
    await expect(player).toHaveAttribute('data-heard', 'b');
    await page.waitForTimeout(100);
    const decoded = await deckOutputRmsDb(page, 1.5);
    await player.getByTestId('ab-c').click();
    await expect(player).toHaveAttribute('data-heard', 'c');
    await page.waitForTimeout(100);
    const removed = await deckOutputRmsDb(page, 1.5);
    expect(await page.evaluate(() => window.__mixroomDeck!.timing)).toEqual(before);
    console.log(`output RMS: original ${music.toFixed(2)}, decoded ${decoded.toFixed(2)}, difference ${removed.toFixed(2)} dBFS`);
    // Different 1.5 s of pink noise differ by a few tenths of a dB, and MP3 128 drops what it cannot
    // afford; a misaligned difference would be about as loud as the music (+3 dB, not −13).
    expect(Math.abs(decoded - music)).toBeLessThan(1.5);
    expect(Math.abs(removed - music - diffDb)).toBeLessThan(2);
    expect(removed - music).toBeLessThan(-10);
    await player.getByTestId('deck-play').click();

    // Opus through WebCodecs (Chromium's decoder takes out the 312-frame pre-skip itself).
    await player.getByTestId('codec-opus-128').click();
    await expect(player.getByTestId('ab-b')).toContainText('Opus 128 decoded', { timeout: 120_000 });
    const opusDiff = Number(await player.getByTestId('codec-result').getAttribute('data-difference-db'));
    // Opus keeps each band's energy rather than the waveform (measured −9.9 dB); misaligned it would be ≈ +3 dB.
    expect(opusDiff).toBeLessThan(-6);
    expect(Number(await player.getByTestId('codec-result').getAttribute('data-delay'))).toBeLessThanOrEqual(312);
    console.log(`Opus 128: decoded TP ${await player.getByTestId('codec-result').getAttribute('data-true-peak')} dBTP, difference ${opusDiff} dB, delay ${await player.getByTestId('codec-result').getAttribute('data-delay')}`);
    await context.close();
  } finally {
    await fetch(`${baseURL}/api/sessions/${id}`, { method: 'DELETE', headers: { cookie } });
  }
});
