// Rename, remove, list takes of and restore stems. Uploading (new stems and new takes) is in uploads.ts.
import { RenameStemBody, stemAudioUrl, type StemTakesResponse } from '@mixroom/protocol';
import type { AccessControl } from '../auth/access.js';
import type { StemService } from '../stems/stem-service.js';
import { sendJson } from './respond.js';
import type { Router } from './router.js';
import { readBody } from './validate.js';
import { parseSessionId } from './sessions.js';

export function registerStemEditRoutes(router: Router, deps: { access: AccessControl; stems: StemService }): void {
  const { access, stems } = deps;

  router.on('PATCH', '/api/sessions/:id/stems/:stemId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'stems.manage');
    const { name } = await readBody(req, RenameStemBody);
    await stems.rename(sessionId, params.stemId, name);
    sendJson(res, 200, { ok: true });
  });

  router.on('DELETE', '/api/sessions/:id/stems/:stemId', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'stems.manage');
    await stems.remove(sessionId, params.stemId);
    res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
  });

  router.on('GET', '/api/sessions/:id/stems/:stemId/takes', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'session.view');
    const rows = await stems.takes(sessionId, params.stemId);
    const body: StemTakesResponse = {
      takes: rows.map((t) => ({
        id: t.id, name: t.name, fileName: t.fileName, mimeType: t.mimeType, sizeBytes: t.sizeBytes, sampleRate: t.sampleRate,
        channels: t.channels, durationSec: t.durationSec, createdAt: t.createdAt.toISOString(),
        retiredAt: t.retiredAt?.toISOString() ?? null, url: stemAudioUrl(sessionId, t.id),
      })),
    };
    sendJson(res, 200, body);
  });

  router.on('POST', '/api/sessions/:id/stems/:stemId/restore', async (req, res, params) => {
    const sessionId = parseSessionId(params.id);
    await access.requireSession(req, sessionId, 'stems.manage');
    sendJson(res, 200, await stems.restore(sessionId, params.stemId));
  });
}
