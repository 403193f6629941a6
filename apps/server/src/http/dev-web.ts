// `npm run dev`: the web app's pages come from the Next dev server (hot reload, a rebuild on every
// save) instead of the static export, proxied through this server so that the page, the API, the
// Yjs and socket.io connections stay on one origin, and every page and script gets the
// cross-origin isolation headers SharedArrayBuffer needs (Next's own dev server sends none).
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import { CROSS_ORIGIN_ISOLATION, type WebPages } from './static.js';

/** Paths of the Next dev server itself (assets, hot reload, the error overlay), any method. */
export const NEXT_DEV_PATH = /^\/(_next\/|__nextjs)/;

export class DevWebProxy implements WebPages {
  private readonly target: URL;

  constructor(origin: string, private readonly logger: Logger) {
    this.target = new URL(origin);
  }

  serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    const url = new URL(req.url ?? pathname, 'http://x');
    return this.forward(req, res, url.pathname + url.search);
  }

  /** The session and invite pages live at /session and /invite in the app; 404 at any unknown path. */
  sendPage(req: IncomingMessage, res: ServerResponse, name: string, status: number): Promise<boolean> {
    return this.forward(req, res, name === '404' ? '/_not-found' : `/${name}`, status);
  }

  async exists(): Promise<boolean> {
    return true;
  }

  private forward(req: IncomingMessage, res: ServerResponse, path: string, status?: number): Promise<boolean> {
    return new Promise((resolve) => {
      const upstream = request(
        // The browser's Host and Origin go through unchanged, so Next sees a same-origin request.
        { host: this.target.hostname, port: this.target.port, method: req.method, path, headers: req.headers },
        (up) => {
          const headers: IncomingHttpHeaders = { ...up.headers, ...CROSS_ORIGIN_ISOLATION };
          res.writeHead(status ?? up.statusCode ?? 502, headers);
          up.pipe(res);
          up.on('end', () => resolve(true));
          up.on('error', () => { res.destroy(); resolve(true); });
        },
      );
      upstream.on('error', (err) => {
        this.logger.warn(`Next dev server at ${this.target.origin} did not answer ${path}: ${err.message}`);
        if (!res.headersSent) {
          res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '2' });
          res.end(`The Next dev server (${this.target.origin}) is not answering yet; reload in a few seconds.\n`);
        } else res.destroy();
        resolve(true);
      });
      req.pipe(upstream);
    });
  }

  /** Hot reload: Next's websocket under /_next/ is piped through as raw bytes. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!NEXT_DEV_PATH.test(new URL(req.url ?? '/', 'http://x').pathname)) return false;
    const upstream = request({ host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers });
    upstream.on('upgrade', (res, upSocket, upHead) => {
      const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      upSocket.on('error', () => socket.destroy());
      socket.on('error', () => upSocket.destroy());
    });
    upstream.on('response', (res) => {
      socket.end(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\nConnection: close\r\n\r\n`);
      res.resume();
    });
    upstream.on('error', () => socket.destroy());
    upstream.end();
    return true;
  }
}
