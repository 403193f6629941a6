// Talkback with fake microphones: two Chromium contexts of a browser launched with a WAV of
// recorded speech (espeak-ng) as its microphone. A talks; B's received voice level is measured by
// the analyser on A's voice in B's page, and B's music (playing) is ducked by the set amount after
// the mix and returns afterwards; a viewer listens but may not talk; a non-member's socket gets no
// signalling.
import { expect, test, type Page } from '@playwright/test';
import { EVENTS, TALK_EVENTS, type JoinAck, type TalkJoinAck } from '@mixroom/protocol';
import { io } from 'socket.io-client';
import { demoCookie } from './helpers';
import { createSessionAs, sineWav, uploadStem } from './support/session-fixtures';
import { contextWith, duckingDb, invite, launchWithMicrophone, open, signUp, speechWav, voiceLevels } from './support/talk';

/** Nothing focused, so T reaches the page's shortcut. */
const blur = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

async function joinTalk(page: Page) {
  await page.getByTestId('talk-join').click();
  await expect(page.getByTestId('talk')).toHaveAttribute('data-state', 'on');
}

test.describe.configure({ mode: 'serial' });

test('talkback: A talks, B hears A and B\'s music is ducked by the set amount, then returns; a viewer listens only; a non-member gets no signalling', async ({ baseURL }) => {
  test.setTimeout(900_000);
  // A session of its own with two short tones (B plays them looped; the ducking is a ratio of the
  // music before and after the ducker, whatever the music): the demo's six 64 s stems made the two
  // pages' loading most of this spec.
  const session = { id: await createSessionAs(baseURL!, `Talkback ${Date.now().toString(36)}`) };
  for (const [file, hz] of [['Bass.wav', 110], ['Keys.wav', 440]] as const) await uploadStem(baseURL!, session.id, sineWav(file, hz, 8));
  const owner = await demoCookie(baseURL!, 'engineer');
  const artist = await demoCookie(baseURL!, 'artist');
  await invite(baseURL!, owner, session.id, artist, 'artist');
  const viewer = await signUp(baseURL!, 'Vera');
  await invite(baseURL!, owner, session.id, viewer, 'viewer');
  const outsider = await signUp(baseURL!, 'Otto');

  // The non-member's real socket, listening for any talk traffic from the start.
  const stranger = io(baseURL!, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie: outsider, origin: baseURL! }, reconnection: false });
  const strangerHeard: unknown[] = [];
  stranger.onAny((event: string, payload: unknown) => {
    if (event.startsWith('talk:')) strangerHeard.push({ event, payload });
  });
  await new Promise<void>((resolve) => stranger.on('connect', () => resolve()));
  const strangerJoin = (await stranger.timeout(10_000).emitWithAck(EVENTS.join, { sessionId: session.id, name: 'Otto', color: '#123456' })) as JoinAck;
  expect(strangerJoin.ok).toBe(false);
  const strangerTalk = (await stranger.timeout(10_000).emitWithAck(TALK_EVENTS.join, null)) as TalkJoinAck;
  expect(strangerTalk).toMatchObject({ ok: false, error: { code: 'not_joined' } });

  const browser = await launchWithMicrophone(speechWav());
  try {
    const A = await open(await contextWith(browser, baseURL!, owner, 'Ana', '#e5484d'), session.id, 'Ana');
    const B = await open(await contextWith(browser, baseURL!, artist, 'Ben', '#3ecf8e'), session.id, 'Ben');

    await joinTalk(A);
    await joinTalk(B);
    await expect(A.getByTestId('talk-peer-Ben')).toHaveAttribute('data-connection', 'connected', { timeout: 30_000 });
    await expect(B.getByTestId('talk-peer-Ana')).toHaveAttribute('data-connection', 'connected', { timeout: 30_000 });

    // B plays the song, looped (a loaded machine can take longer than the song); the music is not turned down while nobody talks.
    await B.evaluate(() => {
      const rt = window.__mixroom!.runtime as { setLoop(on: boolean): void; play(): Promise<void> };
      rt.setLoop(true);
      return rt.play();
    });
    await expect.poll(() => duckingDb(B, 300), { timeout: 20_000 }).toBeGreaterThan(-0.5);

    // Nobody pushes Talk: B receives silence from A.
    await B.waitForTimeout(600);
    await voiceLevels(B);
    await B.waitForTimeout(600);
    const quiet = Object.values(await voiceLevels(B))[0];
    console.log(`B hears A while A does not talk: ${quiet.toFixed(1)} dBFS`);
    expect(quiet).toBeLessThan(-70);

    // A holds T: B's analyser hears A's voice, "Ana is talking" shows on B's avatar of A, and B's music goes down 12 dB.
    await blur(A);
    await A.keyboard.down('t');
    await expect(A.getByTestId('talk')).toHaveAttribute('data-transmitting', 'true');
    await expect(B.getByTestId('avatar-Ana')).toHaveAttribute('data-talking', 'true', { timeout: 15_000 });
    await expect(B.getByTestId('talk-status')).toHaveText('Ana is talking');
    const loud = Object.values(await voiceLevels(B))[0];
    await B.waitForTimeout(1000);
    const heard = Math.max(loud, Object.values(await voiceLevels(B))[0]);
    console.log(`B hears A talking: peak block ${heard.toFixed(1)} dBFS`);
    expect(heard).toBeGreaterThan(-40);
    // Measured after the 30 ms attack: −12 dB within 0.5 dB.
    let ducked = NaN;
    await expect.poll(async () => (ducked = await duckingDb(B, 800)), { timeout: 15_000 }).toBeLessThan(-11.5);
    console.log(`B's music while A talks: ${ducked.toFixed(2)} dB`);
    expect(ducked).toBeGreaterThan(-12.5);

    // A lets go: the music comes back (hold 300 ms + release 600 ms).
    await A.keyboard.up('t');
    await expect(B.getByTestId('avatar-Ana')).toHaveAttribute('data-talking', 'false', { timeout: 15_000 });
    await expect.poll(() => duckingDb(B, 300), { timeout: 10_000 }).toBeGreaterThan(-0.5);

    // B sets −6 dB: A talking now turns B's music down 6 dB.
    await B.getByTestId('talk-settings').locator('summary').click();
    await B.getByTestId('talk-duck-depth').fill('-6');
    await expect(B.getByTestId('talk-duck-value')).toHaveText('-6 dB');
    await A.getByTestId('talk-open-mic').check();
    await expect(B.getByTestId('avatar-Ana')).toHaveAttribute('data-talking', 'true', { timeout: 15_000 });
    let six = NaN;
    await expect.poll(async () => (six = await duckingDb(B, 800)), { timeout: 15_000 }).toBeLessThan(-5.5);
    console.log(`B's music at −6 dB depth while A talks: ${six.toFixed(2)} dB`);
    expect(six).toBeGreaterThan(-6.5);
    // Muting Ana on B: her voice no longer ducks B's music.
    await B.getByTestId('talk-mute-Ana').check();
    await expect.poll(() => duckingDb(B, 300), { timeout: 10_000 }).toBeGreaterThan(-0.5);
    await A.getByTestId('talk-open-mic').uncheck();

    // The viewer: joins and hears, but Talk is disabled with the reason, and the server would refuse a sending offer anyway.
    const V = await open(await contextWith(browser, baseURL!, viewer, 'Vera', '#8e4ec6'), session.id, 'Vera', false);
    await joinTalk(V);
    await expect(V.getByTestId('talk-button')).toBeDisabled();
    await expect(V.getByTestId('talk-message')).toHaveText('Your role can listen to the talk but not talk.');
    await expect(V.getByTestId('talk-peer-Ana')).toHaveAttribute('data-connection', 'connected', { timeout: 30_000 });
    await A.getByTestId('talk-open-mic').check();
    await expect(V.getByTestId('talk-peer-Ana')).toHaveAttribute('data-talking', 'true', { timeout: 15_000 });
    await A.getByTestId('talk-open-mic').uncheck();
    // Pressing T as a viewer sends nothing: A and B never hear Vera.
    await blur(V);
    await V.keyboard.down('t');
    await V.waitForTimeout(1500);
    await V.keyboard.up('t');
    await expect(V.getByTestId('talk')).toHaveAttribute('data-transmitting', 'false');
    await expect(A.getByTestId('talk-peer-Vera')).toHaveAttribute('data-talking', 'false');

    // The non-member heard none of it.
    expect(strangerHeard).toEqual([]);
  } finally {
    stranger.close();
    await browser.close();
  }
});
