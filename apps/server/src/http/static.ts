import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.wav': 'audio/wav',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Cross-origin isolation for the app's pages (and the scripts and workers they load): without it
 * a page cannot share memory (SharedArrayBuffer) between the stem worker and the mix worklet.
 */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

/**
 * Where the web app's pages and assets come from: the static export (StaticSite) or, under
 * `npm run dev`, the Next dev server behind a proxy (DevWebProxy in dev-web.ts).
 */
export interface WebPages {
  /** Serves the file or page at `pathname`; false when there is none. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean>;
  /** Serves one of the app's pages by name (`session`, `invite`, `404`) with `status`; false when it is missing. */
  sendPage(req: IncomingMessage, res: ServerResponse, name: string, status: number): Promise<boolean>;
  /** Whether there is a web app to serve at all. */
  exists(): Promise<boolean>;
}

/** Serves the Next.js static export. Only GET/HEAD; never escapes `root`. */
export class StaticSite implements WebPages {
  constructor(readonly root: string) {}

  private async file(rel: string): Promise<{ file: string; size: number } | null> {
    const file = path.resolve(this.root, '.' + path.posix.normalize('/' + rel));
    if (file !== this.root && !file.startsWith(this.root + path.sep)) return null;
    try {
      const s = await stat(file);
      return s.isFile() ? { file, size: s.size } : null;
    } catch {
      return null;
    }
  }

  /** First existing candidate; lets us accept both `x.html` and `x/index.html` export layouts. */
  async resolve(...candidates: string[]): Promise<{ file: string; size: number } | null> {
    for (const c of candidates) {
      const f = await this.file(c);
      if (f) return f;
    }
    return null;
  }

  async exists(): Promise<boolean> {
    return (await this.file('index.html')) !== null;
  }

  /** Looks the path up as a file, then `<path>.html`, then `<path>/index.html`. Returns false if none. */
  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    const clean = pathname.replace(/\/+$/, '');
    const f = await this.resolve(clean === '' ? 'index.html' : clean, `${clean}.html`, `${clean}/index.html`);
    if (!f) return false;
    await this.send(req, res, f, 200);
    return true;
  }

  async sendPage(req: IncomingMessage, res: ServerResponse, name: string, status: number): Promise<boolean> {
    // Next's export may emit either layout depending on `trailingSlash`; accept both.
    const page = await this.resolve(`${name}.html`, `${name}/index.html`);
    if (!page) return false;
    await this.send(req, res, page, status);
    return true;
  }

  async send(req: IncomingMessage, res: ServerResponse, f: { file: string; size: number }, status: number): Promise<void> {
    const rel = path.relative(this.root, f.file).split(path.sep).join('/');
    res.writeHead(status, {
      'Content-Type': TYPES[path.extname(f.file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': f.size,
      // Next puts content hashes in the names under _next/; HTML must revalidate to pick up new builds.
      'Cache-Control': rel.startsWith('_next/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...CROSS_ORIGIN_ISOLATION,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(f.file), res).catch(() => res.destroy());
  }
}

export const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Mixroom</title>
<body style="font-family:system-ui;margin:3rem"><h1>Mixroom server is running</h1>
<p>web app not built: run <code>npm run build</code></p></body>`;
