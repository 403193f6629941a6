import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import type { BlobStore } from './blob/blob-store.js';
import type { PrismaClient } from './generated/prisma/client.js';
import type { Logger } from './log.js';
import { newSessionId } from './http/sessions.js';

export interface DemoStem {
  name: string;
  channels: Float32Array[];
  sampleRate: number;
  /** Starting fader position that restores the arranger's balance between stems. */
  suggestedGainDb?: number;
}
export interface DemoSong {
  title: string;
  tempo: number;
  stems: DemoStem[];
}
export type DemoGenerator = () => Promise<DemoSong>;

/** The parts of @mixroom/engine seeding uses; a parameter so tests can seed quickly. */
export type SeedEngine = Pick<typeof import('@mixroom/engine'), 'encodeWav' | 'computePeaks' | 'encodePeaks' | 'initializeMix' | 'MixModel'>;

export interface SeedDeps {
  prisma: PrismaClient;
  blobs: BlobStore;
  logger: Logger;
  /** Defaults to the real engine, imported lazily so the server boots even before the engine exists. */
  engine?: SeedEngine;
}

const shortId = () => randomBytes(8).toString('base64url');

async function loadEngine(): Promise<SeedEngine> {
  return import('@mixroom/engine');
}

async function loadDemoGenerator(): Promise<DemoGenerator> {
  const { renderDemoStems } = await import('@mixroom/engine/node');
  return () => renderDemoStems();
}

/** Creates the demo session when the database has no sessions at all. Returns its id, or null if skipped. */
export async function seedIfEmpty(deps: SeedDeps, generator?: DemoGenerator): Promise<string | null> {
  if ((await deps.prisma.mixSession.count()) > 0) return null;
  return seedDemoSession(deps, generator);
}

export async function seedDemoSession(deps: SeedDeps, generator?: DemoGenerator): Promise<string> {
  const { prisma, blobs, logger } = deps;
  const engine = deps.engine ?? (await loadEngine());
  const render = generator ?? (await loadDemoGenerator());
  const started = performance.now();
  logger.info('seeding demo session: rendering stems…');
  const song = await render();
  logger.info(`rendered ${song.stems.length} stems in ${Math.round(performance.now() - started)} ms; encoding and storing`);

  const sessionId = newSessionId();
  const stems = [];
  for (const [position, stem] of song.stems.entries()) {
    const wav = engine.encodeWav(stem.channels, stem.sampleRate, { bitDepth: 24 });
    const blob = await blobs.put(wav);
    const peaks = engine.encodePeaks(engine.computePeaks(stem.channels, stem.sampleRate));
    stems.push({
      id: shortId(),
      name: stem.name,
      fileHash: blob.sha256,
      fileName: `${stem.name.replace(/[^\w.-]+/g, '_')}.wav`,
      mimeType: 'audio/wav',
      sizeBytes: blob.size,
      sampleRate: stem.sampleRate,
      channels: stem.channels.length,
      durationSec: (stem.channels[0]?.length ?? 0) / stem.sampleRate,
      position,
      peaks: peaks as Uint8Array<ArrayBuffer>,
    });
    logger.info(`  stored stem "${stem.name}" (${(blob.size / 1e6).toFixed(1)} MB, sha256 ${blob.sha256.slice(0, 12)}…)`);
  }

  const doc = new Y.Doc();
  const channels = stems.map((s) => ({ id: shortId(), name: s.name, stemId: s.id }));
  engine.initializeMix(doc, channels);
  // Stems are normalised for headroom; the demo opens with the faders at a balanced mix.
  const mix = new engine.MixModel(doc);
  song.stems.forEach((stem, i) => {
    if (stem.suggestedGainDb !== undefined) mix.setChannelGain(channels[i].id, stem.suggestedGainDb);
  });
  const initial = Y.encodeStateAsUpdate(doc);
  doc.destroy();

  // One transaction: a half-seeded session would be shown to users and never be re-seeded.
  await prisma.$transaction([
    prisma.mixSession.create({ data: { id: sessionId, title: song.title, tempo: song.tempo } }),
    prisma.stem.createMany({ data: stems.map((s) => ({ ...s, sessionId })) }),
    prisma.docUpdate.create({ data: { sessionId, data: initial as Uint8Array<ArrayBuffer> } }),
  ]);
  logger.info(`demo session "${song.title}" ready: /s/${sessionId} (${Math.round(performance.now() - started)} ms)`);
  return sessionId;
}
