import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { HttpError, sendError, toHttpError } from './respond.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<void> | void;

export interface RouteInfo {
  method: string;
  /** As registered, e.g. `/api/sessions/:id`. */
  path: string;
}

interface Route extends RouteInfo {
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** `/api/sessions/:id` style patterns; params are URI-decoded single path segments. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, k: string) => {
      keys.push(k);
      return '([^/]+)';
    });
    this.routes.push({ method, path, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  list(): RouteInfo[] {
    return this.routes.map(({ method, path }) => ({ method, path }));
  }

  /** Returns false when no route matched the path (method mismatch → 405 JSON). */
  async handle(req: IncomingMessage, res: ServerResponse, pathname: string, logger: Logger): Promise<boolean> {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      try {
        route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
        await route.handler(req, res, params);
      } catch (err) {
        const httpErr = toHttpError(err);
        if (httpErr.code === 'database_busy') logger.warn(`${req.method} ${pathname}: database busy, answered 503 (${(err as Error).message})`);
        else if (!(err instanceof HttpError)) logger.error(`${req.method} ${pathname} failed`, err);
        if (!res.headersSent) sendError(res, httpErr);
        else res.destroy();
      }
      return true;
    }
    if (pathMatched) {
      sendError(res, new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${pathname}`));
      return true;
    }
    return false;
  }
}

export async function readJsonBody(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413 as number, 'bad_request', `request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad_request', 'request body is not valid JSON');
  }
}
