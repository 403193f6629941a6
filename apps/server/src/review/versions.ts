// Master versions: upload (a browser bounce or a master made elsewhere), loudness and peaks
// measured here, the readable mix diff to the previous version, streaming, notes, deletion.
// Approval and downloads live in approval.ts.
import { createHash } from 'node:crypto';
import {
  CreateVersionQuery, EditVersionBody, MIX_STATE_HEADER, reviewUrls, VERSION_MAX_BYTES,
  type ApprovalInfo, type DeliveryInfo, type ListVersionsResponse, type LoudnessReport, type VersionInfo, type VersionSource, type VersionStatus,
} from '@mixroom/protocol';
import { AudioFormatError, computePeaks, decodeWav, diffMixStates, encodePeaks, measureLoudness, mixStateFromUpdate, type MixState } from '@mixroom/engine';
import type { IncomingMessage } from 'node:http';
import * as Y from 'yjs';
import type { Approval, Version } from '../generated/prisma/client.js';
import { HttpError, notFound, sendJson } from '../http/respond.js';
import { readJsonBody, type Router } from '../http/router.js';
import { sendBlob } from '../http/send-blob.js';
import { parseSessionId } from '../http/sessions.js';
import { announce, recordActivity } from './activity.js';
import { currentMixState, isUniqueViolation, parseWith, type ReviewDeps } from './context.js';
import { newReviewId } from './comments.js';

type VersionRow = Omit<Version, 'mixState' | 'peaks' | 'spectrum'> & { approvals: Approval[] };
const VERSION_OMIT = { mixState: true, peaks: true, spectrum: true } as const;
const VERSION_INCLUDE = { approvals: { orderBy: { at: 'desc' as const }, take: 1 } };

export const immutable = (number: number) => new HttpError(409, 'conflict', `v${number} is approved and can no longer be changed`);

const finiteOrNull = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

export async function readUpload(req: IncomingMessage, max = VERSION_MAX_BYTES, what = 'the WAV'): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (declared > max) throw new HttpError(413, 'payload_too_large', `file is larger than ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new HttpError(413, 'payload_too_large', `file is larger than ${max} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) throw new HttpError(400, 'bad_request', `no file: send ${what} as the request body`);
  return new Uint8Array(Buffer.concat(chunks));
}

/** The optional mix-state header must be a Yjs update; anything else is refused, not stored. */
function readMixStateHeader(req: IncomingMessage): Uint8Array<ArrayBuffer> | null {
  const raw = req.headers[MIX_STATE_HEADER];
  if (typeof raw !== 'string' || raw === '') return null;
  const bytes = new Uint8Array(Buffer.from(raw, 'base64'));
  try {
    Y.decodeUpdate(bytes);
    return bytes;
  } catch {
    throw new HttpError(400, 'bad_request', `${MIX_STATE_HEADER} is not a base64 Yjs update`);
  }
}

export class VersionViews {
  /** Decoded mix states by version id; a version's mix never changes, so this never goes stale. */
  private readonly mixCache = new Map<string, MixState | null>();

  constructor(private readonly deps: ReviewDeps) {}

  /** Decodes and caches the mix states of `ids` not cached yet, all fetched in one query. */
  private async loadMixes(ids: string[]): Promise<void> {
    const missing = ids.filter((id) => !this.mixCache.has(id));
    if (!missing.length) return;
    const rows = await this.deps.prisma.version.findMany({ where: { id: { in: missing } }, select: { id: true, mixState: true } });
    if (this.mixCache.size + missing.length > 5000) this.mixCache.clear();
    const found = new Map(rows.map((r) => [r.id, r.mixState]));
    for (const id of missing) {
      let state: MixState | null;
      try {
        const bytes = found.get(id);
        state = bytes ? mixStateFromUpdate(bytes) : null;
      } catch {
        state = null;
      }
      this.mixCache.set(id, state);
    }
  }

  private async mixOf(id: string): Promise<MixState | null> {
    await this.loadMixes([id]);
    return this.mixCache.get(id) ?? null;
  }

  async info(row: VersionRow, previous: VersionRow | null, hasMix: boolean, hasPeaks: boolean, deliveries: VersionInfo['deliveries'] = { flac: null, mp3: null }): Promise<VersionInfo> {
    const urls = reviewUrls(row.sessionId);
    const a = previous ? await this.mixOf(previous.id) : null;
    const b = previous && a ? await this.mixOf(row.id) : null;
    const last = row.approvals[0];
    const decision: ApprovalInfo | null = last
      ? {
          decision: last.decision as ApprovalInfo['decision'], byId: last.byId, byName: last.byName, at: last.at.toISOString(), sha256: last.sha256, comment: last.comment,
          reference: last.referenceName && last.referenceSha256 ? { id: last.referenceId, name: last.referenceName, sha256: last.referenceSha256 } : null,
        }
      : null;
    return {
      id: row.id,
      sessionId: row.sessionId,
      number: row.number,
      fileHash: row.fileHash,
      format: row.format,
      sizeBytes: row.sizeBytes,
      sampleRate: row.sampleRate,
      channels: row.channels,
      bitDepth: row.bitDepth,
      durationSec: row.durationSec,
      loudness: row.loudness as unknown as LoudnessReport,
      notes: row.notes,
      source: row.source as VersionSource,
      createdById: row.createdById,
      createdByName: row.createdByName,
      createdAt: row.createdAt.toISOString(),
      status: row.status as VersionStatus,
      decision,
      changes: a && b ? diffMixStates(a, b) : null,
      audioUrl: urls.versionAudio(row.id),
      peaksUrl: hasPeaks ? urls.versionPeaks(row.id) : null,
      mixUrl: hasMix ? urls.versionMix(row.id) : null,
      spectrumUrl: urls.versionSpectrum(row.id),
      downloads: { wav: urls.versionDownload(row.id, 'wav'), flac: urls.versionDownload(row.id, 'flac'), mp3: urls.versionDownload(row.id, 'mp3'), report: urls.versionReport(row.id) },
      deliveries,
    };
  }

  /** All versions of a session, oldest first, each with its diff to the one before. */
  async list(sessionId: string): Promise<VersionInfo[]> {
    const { prisma } = this.deps;
    const [rows, stored] = await Promise.all([
      prisma.version.findMany({ where: { sessionId }, omit: VERSION_OMIT, include: VERSION_INCLUDE, orderBy: { number: 'asc' } }),
      // Which versions have a mix and peaks, without reading the bytes.
      prisma.$queryRaw<{ id: string; hasMix: boolean; hasPeaks: boolean }[]>`
        SELECT "id", ("mix_state" IS NOT NULL) AS "hasMix", ("peaks" IS NOT NULL) AS "hasPeaks" FROM "version" WHERE "session_id" = ${sessionId}`,
    ]);
    const has = new Map(stored.map((r) => [r.id, r]));
    // The diffs need every version's mix: the ones not decoded yet come in one query.
    await this.loadMixes(rows.filter((r) => has.get(r.id)?.hasMix).map((r) => r.id));
    // What the FLAC/MP3 encodes made so far did (a lossy one may have been turned down).
    const derived = rows.length ? await prisma.derivedBlob.findMany({ where: { sourceHash: { in: [...new Set(rows.map((r) => r.fileHash))] } }, select: { sourceHash: true, format: true, info: true } }) : [];
    const deliveriesOf = (hash: string): VersionInfo['deliveries'] => {
      const of = (f: 'flac' | 'mp3') => (derived.find((d) => d.sourceHash === hash && d.format === f)?.info as DeliveryInfo | null | undefined) ?? null;
      return { flac: of('flac'), mp3: of('mp3') };
    };
    return Promise.all(rows.map((row, i) => this.info(row, rows[i - 1] ?? null, !!has.get(row.id)?.hasMix, !!has.get(row.id)?.hasPeaks, deliveriesOf(row.fileHash))));
  }

  async one(sessionId: string, id: string): Promise<VersionInfo> {
    const all = await this.list(sessionId);
    const found = all.find((v) => v.id === id);
    if (!found) throw notFound(`unknown version ${id} in session ${sessionId}`);
    return found;
  }
}

export async function findVersion(deps: ReviewDeps, sessionId: string, id: string) {
  const v = await deps.prisma.version.findFirst({ where: { id, sessionId }, omit: VERSION_OMIT });
  if (!v) throw notFound(`unknown version ${id} in session ${sessionId}`);
  return v;
}

export function registerVersionRoutes(router: Router, deps: ReviewDeps, views: VersionViews): void {
  const { prisma, access, blobs, broadcaster } = deps;

  router.on('GET', '/api/sessions/:id/versions', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const body: ListVersionsResponse = { versions: await views.list(sessionId) };
    sendJson(res, 200, body);
  });

  router.on('GET', '/api/sessions/:id/versions/:versionId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    sendJson(res, 200, await views.one(sessionId, params.versionId));
  });

  router.on('POST', '/api/sessions/:id/versions', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'versions.create');
    const url = new URL(req.url ?? '/', 'http://x');
    const query = parseWith(CreateVersionQuery, Object.fromEntries(url.searchParams));
    const headerMix = readMixStateHeader(req);
    const bytes = await readUpload(req);
    let wav;
    try {
      wav = decodeWav(bytes);
    } catch (err) {
      if (err instanceof AudioFormatError) throw new HttpError(400, 'bad_request', `not a usable WAV file: ${err.message}`);
      throw err;
    }
    const loud = measureLoudness(wav.channels, wav.sampleRate, { series: false });
    const loudness: LoudnessReport = {
      integrated: finiteOrNull(loud.integrated),
      range: Math.round(loud.range * 100) / 100,
      truePeak: finiteOrNull(loud.truePeak),
      samplePeak: finiteOrNull(loud.samplePeak),
    };
    const peaks = new Uint8Array(encodePeaks(computePeaks(wav.channels, wav.sampleRate)));
    // A bounce is rendered from the live mix; if the browser did not say which state, the live one it is.
    const mixState = headerMix ?? (query.source === 'bounce' ? (await currentMixState(deps, sessionId)).state : null);
    const blob = await blobs.put(bytes);
    const durationSec = wav.channels[0].length / wav.sampleRate;

    let created: { version: { id: string }; event: Awaited<ReturnType<typeof recordActivity>> } | null = null;
    // Two uploads at once both read the same max number; the unique (session, number) index lets one win and the other retry.
    for (let attempt = 0; !created; attempt++) {
      try {
        created = await prisma.$transaction(async (tx) => {
          const max = await tx.version.aggregate({ where: { sessionId }, _max: { number: true } });
          const number = (max._max.number ?? 0) + 1;
          const version = await tx.version.create({
            data: {
              id: newReviewId(), sessionId, number, fileHash: blob.sha256, format: 'wav', sizeBytes: blob.size,
              sampleRate: wav.sampleRate, channels: wav.channels.length, bitDepth: wav.bitDepth, durationSec,
              mixState, loudness: loudness as never, peaks, notes: query.notes, source: query.source,
              createdById: actor.userId, createdByName: actor.name,
            },
            omit: VERSION_OMIT,
            include: VERSION_INCLUDE,
          });
          const event = await recordActivity(tx, { sessionId, actor, kind: 'version.created', payload: { versionId: version.id, number, source: query.source } });
          return { version, event };
        });
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= 5) throw err;
      }
    }
    const info = await views.one(sessionId, created.version.id);
    broadcaster.version(sessionId, info);
    announce(broadcaster, created.event);
    sendJson(res, 201, info);
  });

  router.on('PATCH', '/api/sessions/:id/versions/:versionId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'versions.create');
    const { notes } = parseWith(EditVersionBody, await readJsonBody(req));
    const v = await findVersion(deps, sessionId, params.versionId);
    const event = await prisma.$transaction(async (tx) => {
      // Conditional on "not approved" inside the write itself, so an approval racing this edit wins cleanly.
      const n = await tx.version.updateMany({ where: { id: v.id, status: { not: 'approved' } }, data: { notes } });
      if (n.count === 0) throw immutable(v.number);
      return recordActivity(tx, { sessionId, actor, kind: 'version.edited', payload: { versionId: v.id, number: v.number } });
    });
    const info = await views.one(sessionId, v.id);
    broadcaster.version(sessionId, info);
    announce(broadcaster, event);
    sendJson(res, 200, info);
  });

  router.on('DELETE', '/api/sessions/:id/versions/:versionId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    const actor = await access.requireSession(req, sessionId, 'versions.create');
    const v = await findVersion(deps, sessionId, params.versionId);
    const event = await prisma.$transaction(async (tx) => {
      const n = await tx.version.deleteMany({ where: { id: v.id, status: { not: 'approved' } } });
      if (n.count === 0) throw immutable(v.number);
      return recordActivity(tx, { sessionId, actor, kind: 'version.deleted', payload: { versionId: v.id, number: v.number } });
    });
    // The blob stays: content-addressed storage may share it, and the activity log still names it.
    broadcaster.version(sessionId, { id: v.id, deleted: true });
    announce(broadcaster, event);
    sendJson(res, 200, { id: v.id, deleted: true });
  });

  router.on('GET', '/api/sessions/:id/versions/:versionId/audio', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const v = await findVersion(deps, sessionId, params.versionId);
    await sendBlob(req, res, blobs, v.fileHash, { mimeType: 'audio/wav', missing: `audio file of v${v.number} is missing` });
  });

  router.on('GET', '/api/sessions/:id/versions/:versionId/peaks', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const row = await prisma.version.findFirst({ where: { id: params.versionId, sessionId }, select: { peaks: true, fileHash: true } });
    if (!row?.peaks) throw notFound(`no peaks for version ${params.versionId}`);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': row.peaks.byteLength, ETag: `"peaks-${row.fileHash}"`, 'Cache-Control': 'private, max-age=31536000, immutable' });
    res.end(req.method === 'HEAD' ? undefined : row.peaks);
  });

  router.on('GET', '/api/sessions/:id/versions/:versionId/mix', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const row = await prisma.version.findFirst({ where: { id: params.versionId, sessionId }, select: { mixState: true } });
    if (!row?.mixState) throw notFound(`no mix state stored for version ${params.versionId}`);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': row.mixState.byteLength, 'Cache-Control': 'private, max-age=31536000, immutable' });
    res.end(row.mixState);
  });
}

/** SHA-256 of a stored blob, recomputed from its bytes (what an approval certifies). */
export async function hashBlob(deps: ReviewDeps, sha256: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await deps.blobs.createReadStream(sha256)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
