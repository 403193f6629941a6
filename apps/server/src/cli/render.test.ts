import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MixModel, decodeWav, encodeFlac, encodeWav, floatToInt, initializeMix } from '@mixroom/engine';
import { LocalBlobStore } from '../blob/local-blob-store.js';
import { REPO_ROOT } from '../config.js';
import { openDatabase } from '../db/open.js';
import { assertPostgresReachable, databaseKinds, type TestDatabase } from '../test-support.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'apps/server/src/cli/render.ts');
const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
const SR = 48000;

beforeAll(assertPostgresReachable);

/**
 * A stored session: two stems (a 440 Hz tone as a 24-bit WAV and an 880 Hz one as FLAC, 1 s) in the
 * blob store and a mix document in the update log.
 */
async function seed(t: TestDatabase): Promise<string> {
  const db = await openDatabase(t.config);
  try {
    const blobs = new LocalBlobStore(path.join(t.config.dataDir, 'blobs'));
    const id = 'cli-render-session';
    await db.prisma.mixSession.create({ data: { id, title: 'CLI render' } });
    const doc = new Y.Doc();
    const channels = [];
    for (const [name, freq] of [['Keys', 440], ['Lead', 880]] as const) {
      const tone = new Float32Array(SR);
      for (let i = 0; i < SR; i++) tone[i] = 0.25 * Math.sin((2 * Math.PI * freq * i) / SR);
      const flac = name === 'Lead';
      const file = flac ? encodeFlac({ sampleRate: SR, bitsPerSample: 24, channels: floatToInt([tone], 24) }) : encodeWav([tone], SR, { bitDepth: 24 });
      const blob = await blobs.put(file);
      const stemId = `stem-${name}`;
      await db.prisma.stem.create({
        data: { id: stemId, sessionId: id, name, fileHash: blob.sha256, fileName: flac ? `${name}.flac` : `${name}.wav`, mimeType: flac ? 'audio/flac' : 'audio/wav', sizeBytes: file.length, sampleRate: SR, channels: 1, durationSec: 1 },
      });
      channels.push({ id: `ch-${name}`, name, stemId });
    }
    initializeMix(doc, channels);
    new MixModel(doc).setChannelGain('ch-Lead', -6);
    await db.prisma.docUpdate.create({ data: { sessionId: id, data: Y.encodeStateAsUpdate(doc) as Uint8Array<ArrayBuffer> } });
    return id;
  } finally {
    await db.close();
  }
}

function env(t: TestDatabase): NodeJS.ProcessEnv {
  return { ...process.env, DATA_DIR: t.config.dataDir, DATABASE_URL: t.config.databaseUrl ?? '' };
}

describe.each(databaseKinds)('npm run render ($name)', (kind) => {
  let t: TestDatabase;
  let sessionId: string;
  beforeAll(async () => {
    t = await kind.create();
    sessionId = await seed(t);
  });
  afterAll(() => t?.cleanup());

  it('renders the stored mix to a WAV file with a progress bar', async () => {
    const out = path.join(t.config.dataDir, 'mix.wav');
    const { stderr } = await run(TSX, [CLI, '--session', sessionId, '--out', out, '--bits', '16', '--rate', '44100', '--end', '0.5'], { env: env(t), cwd: REPO_ROOT });
    expect(stderr).toMatch(/\[#+\] 100%/);
    const wav = decodeWav(new Uint8Array(await readFile(out)));
    expect(wav.sampleRate).toBe(44100);
    expect(wav.bitDepth).toBe(16);
    expect(wav.channels[0].length).toBe(22050);
    let peak = 0;
    for (const v of wav.channels[0]) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeGreaterThan(0.2); // both tones, centre-panned
  });

  it('renders one channel as a stem (a FLAC file: every stored format is read), and explains bad arguments', async () => {
    const out = path.join(t.config.dataDir, 'lead.wav');
    const { stderr: leadLog } = await run(TSX, [CLI, '--session', sessionId, '--out', out, '--channel', 'Lead', '--bits', '32'], { env: env(t), cwd: REPO_ROOT });
    expect(leadLog).not.toMatch(/could not be read/);
    const lead = decodeWav(new Uint8Array(await readFile(out)));
    expect(lead.format).toBe('float');
    let peak = 0;
    for (const v of lead.channels[0]) peak = Math.max(peak, Math.abs(v));
    expect(20 * Math.log10(peak / (0.25 * Math.SQRT1_2))).toBeCloseTo(-6, 1);
    const bad = await run(TSX, [CLI, '--session', sessionId, '--out', out, '--bits', '12'], { env: env(t), cwd: REPO_ROOT }).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--bits must be 16, 24 or 32/);
    const missing = await run(TSX, [CLI, '--session', 'nope', '--out', out], { env: env(t), cwd: REPO_ROOT }).catch((e) => e);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no session "nope"/);
  });
});
