import { expect, test, type Page } from '@playwright/test';
import { MASTER_PARAMS, laneFromPoints, valueAt, type AutomationPoint } from '@mixroom/engine';
import { openAs } from './helpers';
import { addDemoMember, createSessionAs, sineWav, uploadStem } from './support/session-fixtures';

type Hook = {
  model: {
    doc: { transact(fn: () => void): void };
    getState(): { channels: Array<{ id: string; stemId: string | null }>; automation: Record<string, unknown> };
    setMute(id: string, on: boolean): boolean;
    setChannelParam(id: string, param: string, v: number): boolean;
    setFxParam(bus: string, param: string, v: number): boolean;
    setMasterParam(id: string, v: number): boolean;
    automation: { points(key: string): AutomationPoint[]; setPoints(key: string, pts: AutomationPoint[]): boolean };
  };
  render(req: object): Promise<{ audio: AudioBuffer; notes: string[] }>;
  runtime: { seek(seconds: number): void };
  transport: { position: number } | null;
  captureLive(req: { stems: Map<string, AudioBuffer>; state: unknown; seconds: number }): Promise<Float32Array[]>;
  Tone: { getContext(): { rawContext: BaseAudioContext } };
};
const hook = (page: Page) => page.evaluate.bind(page);
const p = (t: number, v: number, shape: AutomationPoint['shape'] = 'linear'): AutomationPoint => ({ t, v, shape });

// The reverb return fades in, then its mute lane cuts it; the master fader holds, then rides down 20 dB.
const REVERB_LEVEL = [p(0.2, -30), p(0.6, 0)];
const REVERB_MUTE = [p(0, 0, 'hold'), p(0.8, 1, 'hold')];
const MASTER = [p(1.0, 0), p(1.8, -20)];
// The master EQ's low-mid band, on the tone, rides up before the fader does (the master chain's lanes live).
const MASTER_EQ = [p(0.1, -6), p(0.6, 6, 'hold')];
const SECONDS = 2.2;

test('returns and master in the arrange view; the artist hears the engineer\'s return and master lanes live as the render plays them', async ({ browser, baseURL }) => {
  test.setTimeout(600_000);
  // A session of its own (two short tones, the demo artist a member): what is heard is a tone the
  // page makes for the first channel, so the demo's six 64 s stems were only load on both pages.
  const session = { id: await createSessionAs(baseURL!, `Automation buses ${Date.now().toString(36)}`) };
  await addDemoMember(baseURL!, session.id, 'artist', 'artist');
  for (const [file, hz] of [['Bass.wav', 110], ['Keys.wav', 440]] as const) await uploadStem(baseURL!, session.id, sineWav(file, hz, 8));
  const eng = await openAs(browser, session.id, 'Eve', '#e5484d', 'engineer');
  const E = eng.page;
  const art = await openAs(browser, session.id, 'Ari', '#5b9cf5', 'artist');
  const A = art.page;

  // The engineer opens the master row (its fader lane one click away) and, on the reverb return,
  // the mute lane from '+ lane'.
  await E.getByTestId('auto-toggle-Master').click();
  await expect(E.getByTestId('auto-lane-Master-gain')).toBeVisible();
  await E.getByTestId('auto-toggle-Reverb-return').click();
  await expect(E.getByTestId('auto-lane-Reverb-return-return.gain')).toBeVisible();
  await E.getByTestId('auto-add-Reverb-return').selectOption('return.mute');
  await expect(E.getByTestId('auto-lane-Reverb-return-return.mute')).toBeVisible();
  // One channel alone, its send into the reverb; no limiter (every stage after the fader is linear).
  const channelId = await hook(E)(
    ({ level, mute, master, eq }) => {
      const { model } = window.__mixroom as unknown as Hook;
      const [first, ...rest] = model.getState().channels;
      model.doc.transact(() => {
        for (const c of rest) model.setMute(c.id, true);
        model.setChannelParam(first.id, 'send1.level', -6);
        model.setMasterParam('limiter.on', 0);
        model.setMasterParam('glue.on', 0);
        model.automation.setPoints('fx:reverb/return.gain', level);
        model.automation.setPoints('fx:reverb/return.mute', mute);
        model.automation.setPoints('master/gain', master);
        model.setMasterParam('eq2.freq', 997);
        model.automation.setPoints('master/eq2.gain', eq);
        // The reverb return's EQ rides too (its own EQ worklet after the convolver).
        model.setFxParam('reverb', 'eq2.freq', 997);
        model.automation.setPoints('fx:reverb/eq2.gain', [
          { t: 0, v: 0, shape: 'hold' },
          { t: 0.4, v: 6, shape: 'hold' },
        ]);
        // And the reverb's room: a decay step and a pre-delay ramp (stepped, crossfaded convolvers).
        model.automation.setPoints('fx:reverb/reverb.decay', [
          { t: 0, v: 0.5, shape: 'hold' },
          { t: 0.3, v: 2, shape: 'hold' },
        ]);
        model.automation.setPoints('fx:reverb/reverb.predelay', [
          { t: 0.2, v: 0, shape: 'linear' },
          { t: 0.7, v: 80, shape: 'linear' },
        ]);
      });
      return first.id;
    },
    { level: REVERB_LEVEL, mute: REVERB_MUTE, master: MASTER, eq: MASTER_EQ },
  );
  await expect(E.getByTestId('auto-lane-Master-gain-point')).toHaveCount(MASTER.length);

  // The artist sees the lanes arrive: the master row draws its curve, unfolded it has the points.
  await expect.poll(() => hook(A)(() => (window.__mixroom as unknown as Hook).model.automation.points('master/gain').length)).toBe(MASTER.length);
  await expect(A.getByTestId('auto-curve-Master')).toBeVisible();
  await A.getByTestId('auto-toggle-Reverb-return').click();
  await expect(A.getByTestId('auto-lane-Reverb-return-return.mute-point')).toHaveCount(REVERB_MUTE.length);

  // In Read the artist's master fader shows the lane at their playhead.
  for (const t of [0.5, 1.4]) {
    await hook(A)((s) => (window.__mixroom as unknown as Hook).runtime.seek(s), t);
    const at = await hook(A)(() => (window.__mixroom as unknown as Hook).transport!.position);
    const want = valueAt(laneFromPoints(MASTER, MASTER_PARAMS.gain), at);
    await expect.poll(async () => Number(await A.getByTestId('master-fader').getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeCloseTo(want, 1);
  }
  await hook(A)(() => (window.__mixroom as unknown as Hook).runtime.seek(0));

  // The artist's live output (the mix worklet driving the native return and master gains, in
  // real time) for a steady tone on that channel, and the render of the same mix in their browser.
  const heard = await hook(A)(
    async ({ id, seconds }) => {
      const h = window.__mixroom as unknown as Hook;
      const state = h.model.getState();
      const stemId = state.channels.find((c) => c.id === id)!.stemId!;
      const sr = h.Tone.getContext().rawContext.sampleRate;
      const tone = new AudioBuffer({ length: Math.ceil(seconds * sr), numberOfChannels: 1, sampleRate: sr });
      const d = tone.getChannelData(0);
      for (let i = 0; i < d.length; i++) d[i] = 0.25 * Math.sin((2 * Math.PI * 997 * i) / sr);
      const stems = new Map([[stemId, tone]]);
      const live = await h.captureLive({ stems, state, seconds });
      const { audio, notes } = await h.render({ sampleRate: sr, bitDepth: 32, state, stems });
      // The same mix without the room lanes: how much they change the sound (the null must see them).
      const automation = { ...state.automation };
      delete automation['fx:reverb/reverb.decay'];
      delete automation['fx:reverb/reverb.predelay'];
      const still = await h.render({ sampleRate: sr, bitDepth: 32, state: { ...state, automation }, stems });
      return { live: Array.from(live[0]), rendered: Array.from(audio.getChannelData(0)), still: Array.from(still.audio.getChannelData(0)), notes, sampleRate: sr };
    },
    { id: channelId, seconds: SECONDS },
  );
  expect(heard.notes).toEqual([]);
  const sr = heard.sampleRate;
  const n = Math.min(heard.live.length, heard.rendered.length);
  expect(n).toBeGreaterThan(2 * sr);

  // Live and render are the same sound, reverb ride, mute, EQ ride and room lanes and the master EQ ride included.
  let e = 0;
  let d = 0;
  for (let i = 0; i < n; i++) {
    e += heard.rendered[i] ** 2;
    d += (heard.rendered[i] - heard.live[i]) ** 2;
  }
  const nullDb = 10 * Math.log10(e / Math.max(d, 1e-30));
  let r = 0;
  for (let i = 0; i < n; i++) r += (heard.rendered[i] - heard.still[i]) ** 2;
  const roomDb = 10 * Math.log10(e / Math.max(r, 1e-30));
  // The master ride in what the artist hears: after the mute only the tone is left, so its level
  // over 50 ms windows is the master lane's (relative to where the lane holds 0 dB).
  const level = (t: number) => {
    const from = Math.round(t * sr);
    const w = Math.round(0.05 * sr);
    let s = 0;
    let g = 0;
    for (let i = from; i < from + w; i++) {
      s += heard.live[i] ** 2;
      g += 10 ** (valueAt(laneFromPoints(MASTER, MASTER_PARAMS.gain), i / sr) / 10);
    }
    return { measured: 10 * Math.log10(s / w), want: 10 * Math.log10(g / w) };
  };
  // Before the mute the reverb is there too: with the tone alone (after it) the level is steady.
  const ref = level(0.85);
  const judged = [1.2, 1.4, 1.6, 1.9].map((t) => ({ t, ...level(t) }));
  const worst = Math.max(...judged.map((j) => Math.abs(j.measured - ref.measured - (j.want - ref.want))));
  const reverbOn = level(0.65).measured - ref.measured;
  // The EQ ride: at 0.1 s the band cuts the tone 6 dB, from 0.6 s it lifts it 6 dB (the fader holds 0 dB until 1 s).
  const eqRide = level(0.05).measured - level(0.9).measured;
  console.log(
    `artist's live output vs the render: ${nullDb.toFixed(1)} dB apart; master ride heard within ${worst.toFixed(3)} dB (${judged.map((j) => `${j.t}s ${(j.measured - ref.measured).toFixed(2)}/${(j.want - ref.want).toFixed(2)}`).join(', ')}); reverb return before its mute ${reverbOn.toFixed(2)} dB; the room lanes change the render by ${roomDb.toFixed(1)} dB below it; master EQ lane ${eqRide.toFixed(2)} dB (-12)`,
  );
  expect(nullDb).toBeGreaterThan(60);
  // The reverb room lanes are in what the artist hears: they change the mix far more than live and render differ.
  expect(nullDb - roomDb).toBeGreaterThan(40);
  expect(worst).toBeLessThan(0.2);
  expect(judged[judged.length - 1].measured - ref.measured).toBeLessThan(-15);
  // The return was heard while its lane had it open (the level differs from the tone alone).
  expect(Math.abs(reverbOn)).toBeGreaterThan(0.1);
  expect(eqRide).toBeLessThan(-10);
  await eng.context.close();
  await art.context.close();
});
