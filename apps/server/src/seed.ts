import { randomBytes } from 'node:crypto';
import type { DemoAccount } from '@mixroom/protocol';
import * as Y from 'yjs';
import { hashPassword } from './auth/passwords.js';
import { newId } from './auth/tokens.js';
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

/**
 * Created only together with the demo session, so a real deployment never has them unless it
 * was started empty with seeding on. Passwords are documented in the README.
 */
export const DEMO_ACCOUNTS: DemoAccount[] = [
  { email: 'engineer@mixroom.demo', password: 'mixroom-demo', name: 'Demo Engineer', role: 'owner' },
  { email: 'artist@mixroom.demo', password: 'mixroom-demo', name: 'Demo Artist', role: 'artist' },
];

/** Creates the demo session when the database has no sessions at all. Returns its id, or null if skipped. */
export async function seedIfEmpty(deps: SeedDeps, generator?: DemoGenerator): Promise<string | null> {
  if ((await deps.prisma.mixSession.count()) > 0) {
    await adoptOrphanedSessions(deps);
    return null;
  }
  return seedDemoSession(deps, generator);
}

/**
 * A data directory from before accounts existed has sessions but no users, so nobody could open
 * them. Give them to the demo accounts (engineer as owner) so the upgrade keeps them reachable.
 */
async function adoptOrphanedSessions({ prisma, logger }: SeedDeps): Promise<void> {
  if ((await prisma.user.count()) > 0) return;
  const sessions = await prisma.mixSession.findMany({ select: { id: true } });
  const users = await demoUsers();
  await prisma.$transaction([
    prisma.user.createMany({ data: users }),
    prisma.membership.createMany({ data: sessions.flatMap((s) => users.map((u, i) => ({ sessionId: s.id, userId: u.id, role: DEMO_ACCOUNTS[i].role }))) }),
  ]);
  logger.info(`existing sessions had no members: gave ${sessions.length} session(s) to the demo accounts (see README)`);
}

async function demoUsers() {
  return Promise.all(DEMO_ACCOUNTS.map(async (a) => ({ id: newId(), email: a.email, name: a.name, passwordHash: await hashPassword(a.password) })));
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

  // Demo accounts exist only where the demo was seeded (seedIfEmpty: a database without sessions).
  const existing = await prisma.user.findMany({ where: { email: { in: DEMO_ACCOUNTS.map((a) => a.email) } }, select: { id: true, email: true } });
  const created = existing.length === 0 ? await demoUsers() : [];
  const users = DEMO_ACCOUNTS.map((a) => [...existing, ...created].find((u) => u.email === a.email)).filter((u) => u !== undefined);
  // One transaction: a half-seeded session would be shown to users and never be re-seeded.
  await prisma.$transaction([
    prisma.mixSession.create({ data: { id: sessionId, title: song.title, tempo: song.tempo } }),
    prisma.user.createMany({ data: created }),
    prisma.membership.createMany({ data: users.map((u) => ({ sessionId, userId: u.id, role: DEMO_ACCOUNTS.find((a) => a.email === u.email)!.role })) }),
    prisma.stem.createMany({ data: stems.map((s) => ({ ...s, sessionId })) }),
    prisma.docUpdate.create({ data: { sessionId, data: initial as Uint8Array<ArrayBuffer> } }),
  ]);
  logger.info(`demo session "${song.title}" ready: /s/${sessionId} (${Math.round(performance.now() - started)} ms)`);
  return sessionId;
}
