// Voice notes with fake microphones (Chromium plays espeak-ng speech as the microphone): A holds
// the comment strip and speaks; B sees the note at its time, plays it, and B's page outputs the
// voice (analyser on the note's player) while B's music is turned down by the ducker, coming back
// afterwards. A person whose microphone is refused is told so in words.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { demoCookie } from './helpers';
import { addDemoMember, createSessionAs, sessionAs, sineWav, uploadStem } from './support/session-fixtures';
import { contextWith, duckingDb, launchWithMicrophone, open, speechWav } from './support/talk';

declare global {
  interface Window {
    __mixroomVoiceNotes?: { player: { takePeakLevel(): number } };
  }
}

/** A place on the comment strip (fraction of the song) with no marker or range under it: pressing one opens it. */
async function freeSpot(page: Page): Promise<number> {
  const strip = (await page.getByTestId('comment-lane').boundingBox())!;
  const taken = await page.getByTestId('comment-marker').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.right]));
  const spot = [0.25, 0.45, 0.55, 0.65, 0.75, 0.85, 0.15, 0.05, 0.95].find((f) => {
    const px = strip.x + strip.width * f;
    return taken.every(([l, r]) => px < l - 8 || px > r + 8);
  });
  if (spot === undefined) throw new Error(`no free spot on the comment strip (markers at ${JSON.stringify(taken)})`);
  return spot;
}

const voiceLevel = (page: Page) => page.evaluate(() => window.__mixroomVoiceNotes!.player.takePeakLevel());

test('voice note: A records one on the timeline, B sees it at its time and plays it with the music ducked; a refused microphone is explained', async ({ baseURL }) => {
  test.setTimeout(900_000);
  // A session of its own (two short tones, looped; the demo artist a member): the note, the ducking
  // and the refused microphone need music, not the demo's six 64 s stems on both pages.
  const id = await createSessionAs(baseURL!, `Voice notes ${Date.now().toString(36)}`);
  await addDemoMember(baseURL!, id, 'artist', 'artist');
  for (const [file, hz] of [['Bass.wav', 110], ['Keys.wav', 440]] as const) await uploadStem(baseURL!, id, sineWav(file, hz, 8));
  const session = await sessionAs(baseURL!, id);
  const engineer = await demoCookie(baseURL!, 'engineer');
  const artist = await demoCookie(baseURL!, 'artist');
  const browser = await launchWithMicrophone(speechWav());
  try {
    const A = await open(await contextWith(browser, baseURL!, engineer, 'Ana', '#e5484d'), session.id, 'Ana');
    const bContext = await contextWith(browser, baseURL!, artist, 'Ben', '#3ecf8e');
    // Ben's browser refuses the microphone, as when the person said no to the prompt.
    await bContext.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    const B = await open(bContext, session.id, 'Ben');
    const duration = session.stems.reduce((m, s) => Math.max(m, s.durationSec), 0);

    // A holds the strip where no comment is (pressing one opens it), speaks for about 4 s, lets go.
    const strip = (await A.getByTestId('comment-lane').boundingBox())!;
    const spot = await freeSpot(A);
    const x = strip.x + strip.width * spot;
    const voiceMarkers = B.getByTestId('comment-marker').and(B.locator('[data-voice="true"]'));
    const voiceNotesBefore = await voiceMarkers.count();
    await A.mouse.move(x, strip.y + strip.height / 2);
    await A.mouse.down();
    await expect(A.getByTestId('comment-lane')).toHaveAttribute('data-recording', 'recording', { timeout: 15_000 });
    await expect(A.getByTestId('voice-recording')).toContainText('Recording at');
    await A.waitForTimeout(4000);
    await A.mouse.up();
    await expect(A.getByTestId('comment-lane')).toHaveAttribute('data-recording', 'idle', { timeout: 30_000 });
    await expect(A.getByTestId('voice-message')).toHaveCount(0);

    // B sees it live: a voice marker at that time, a thread with a play button.
    await expect(voiceMarkers).toHaveCount(voiceNotesBefore + 1, { timeout: 15_000 });
    const ats = await voiceMarkers.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-at'))));
    const at = ats.reduce((best, a) => (Math.abs(a - duration * spot) < Math.abs(best - duration * spot) ? a : best));
    console.log(`voice note pinned at ${at.toFixed(2)} s of ${duration.toFixed(1)} s (pressed at ${(duration * spot).toFixed(2)} s)`);
    // One pixel of the strip is this many seconds; the press is a pixel-exact spot.
    expect(Math.abs(at - duration * spot)).toBeLessThan((duration / strip.width) * 2);
    // The stored recording, read by ffprobe/ffmpeg: about as long as A held, and speech, not silence.
    const note = await B.evaluate(
      async ([sid, atSec]) => {
        const r = await fetch(`/api/sessions/${sid}/comments`);
        const { comments } = (await r.json()) as { comments: Array<{ id: string; atSec: number; voice: { url: string } | null }> };
        const c = comments.find((c) => c.voice && c.atSec === atSec)!;
        return { id: c.id, url: c.voice!.url };
      },
      [session.id, at] as const,
    );
    const noteUrl = note.url;
    const file = path.join(test.info().outputDir, 'voice-note.webm');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, Buffer.from(await (await B.request.get(noteUrl)).body()));
    const codec = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file]).toString().trim();
    // A recorder's WebM has no duration in its header: decode it all and read how far ffmpeg got.
    const decoded = spawnSync('ffmpeg', ['-hide_banner', '-i', file, '-af', 'volumedetect', '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
    const seconds = [...decoded.matchAll(/time=(\d+):(\d+):([\d.]+)/g)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])).pop()!;
    const meanDb = Number(/mean_volume: (-?[\d.]+) dB/.exec(decoded)![1]);
    console.log(`stored voice note: ${codec}, ${seconds.toFixed(2)} s, mean ${meanDb} dBFS`);
    expect(codec).toBe('opus');
    expect(seconds).toBeGreaterThan(3);
    expect(seconds).toBeLessThan(8);
    expect(meanDb).toBeGreaterThan(-40);
    await B.getByTestId('tab-comments').click();
    const thread = B.locator(`[data-testid="comment-thread"][data-comment-id="${note.id}"]`);
    await expect(thread.getByTestId('voice-play')).toHaveCount(1);
    await expect(thread.getByTestId('comment-body')).toHaveText(/^Voice note \(0:0[3-9]\)$/);

    // B plays the song, looped; nothing turns it down yet.
    await B.evaluate(() => {
      const rt = window.__mixroom!.runtime as { setLoop(on: boolean): void; play(): Promise<void> };
      rt.setLoop(true);
      return rt.play();
    });
    await expect.poll(() => duckingDb(B, 300), { timeout: 30_000 }).toBeGreaterThan(-0.5);

    // B plays the note: B's page outputs the voice and the music is 12 dB down meanwhile.
    await voiceLevel(B);
    await thread.getByTestId('voice-play').click();
    await expect(thread.getByTestId('voice-play')).toHaveAttribute('data-state', 'playing', { timeout: 20_000 });
    // Measured after the 30 ms attack (a window that starts in it reads a little less).
    await B.waitForTimeout(150);
    let ducked = NaN;
    await expect.poll(async () => (ducked = await duckingDb(B, 500)), { timeout: 3000, intervals: [0] }).toBeLessThan(-11.5);
    const heard = await voiceLevel(B);
    console.log(`B while the note plays: voice peak ${heard.toFixed(1)} dBFS, music ${ducked.toFixed(2)} dB`);
    expect(heard).toBeGreaterThan(-40);
    expect(ducked).toBeGreaterThan(-12.5);
    // When it ends the music comes back (hold 300 ms + release 600 ms).
    await expect(thread.getByTestId('voice-play')).toHaveAttribute('data-state', 'stopped', { timeout: 30_000 });
    await expect.poll(() => duckingDb(B, 300), { timeout: 10_000 }).toBeGreaterThan(-0.5);

    // B holds the strip with the microphone refused: told why, and nothing is posted.
    const bStrip = (await B.getByTestId('comment-lane').boundingBox())!;
    await B.mouse.move(bStrip.x + bStrip.width * (await freeSpot(B)), bStrip.y + bStrip.height / 2);
    await B.mouse.down();
    await expect(B.getByTestId('voice-message')).toHaveText(/^Microphone permission was refused, so voice notes cannot be recorded\./, { timeout: 15_000 });
    await B.mouse.up();
    await expect(A.getByTestId('comment-marker').and(A.locator('[data-voice="true"]'))).toHaveCount(voiceNotesBefore + 1);
  } finally {
    await browser.close();
  }
});
