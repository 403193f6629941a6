// A minimal tus client over node:http for tests and the upload benchmark: real sockets, chunked
// PATCHes, and the ability to drop a connection halfway through a body.
import { request } from 'node:http';
import type { Readable } from 'node:stream';

/** Sign-in cookie sent with every request (uploads need a member with stems.manage). */
let cookie: string | null = null;
export function useTusCookie(value: string | null): void {
  cookie = value;
}
const auth = (): Record<string, string> => (cookie ? { Cookie: cookie } : {});

export interface TusResponse { status: number; headers: Record<string, string | string[] | undefined>; body: string }

export function tusRequest(url: string, method: string, headers: Record<string, string | number>, body?: Uint8Array | Readable): Promise<TusResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'Tus-Resumable': '1.0.0', ...auth(), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (body instanceof Uint8Array) req.end(body);
    else body.pipe(req);
  });
}

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export async function createUpload(baseUrl: string, sessionId: string, length: number, fileName: string, extra: Record<string, string> = {}): Promise<TusResponse & { location?: string }> {
  const meta = [`filename ${b64(fileName)}`, ...Object.entries(extra).map(([k, v]) => `${k} ${b64(v)}`)].join(',');
  const res = await tusRequest(`${baseUrl}/api/sessions/${sessionId}/uploads`, 'POST', { 'Upload-Length': length, 'Upload-Metadata': meta });
  return { ...res, location: res.headers.location ? `${baseUrl}${res.headers.location as string}` : undefined };
}

export function patch(location: string, offset: number, chunk: Uint8Array): Promise<TusResponse> {
  return tusRequest(location, 'PATCH', { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': offset, 'Content-Length': chunk.length }, chunk);
}

export async function headOffset(location: string): Promise<number> {
  const res = await tusRequest(location, 'HEAD', {});
  if (res.status !== 200) throw new Error(`HEAD ${location}: ${res.status}`);
  return Number(res.headers['upload-offset']);
}

/** Uploads `bytes` in `chunkSize` PATCHes; returns the final response. */
export async function uploadAll(baseUrl: string, sessionId: string, bytes: Uint8Array, fileName: string, chunkSize = 1 << 20, extra: Record<string, string> = {}): Promise<TusResponse> {
  const created = await createUpload(baseUrl, sessionId, bytes.length, fileName, extra);
  if (created.status !== 201 || !created.location) return created;
  let offset = 0;
  for (;;) {
    const chunk = bytes.subarray(offset, offset + chunkSize);
    const res = await patch(created.location, offset, chunk);
    if (res.status !== 204) return res;
    offset = Number(res.headers['upload-offset']);
    if (offset >= bytes.length) return res;
  }
}

/** Sends the head of a PATCH body that claims `declared` bytes, then drops the connection. */
export function patchAndDrop(location: string, offset: number, partial: Uint8Array, declared: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(location, {
      method: 'PATCH',
      headers: { 'Tus-Resumable': '1.0.0', ...auth(), 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': offset, 'Content-Length': declared },
    });
    req.on('error', () => resolve());
    req.write(partial, () => setTimeout(() => { req.destroy(); resolve(); }, 100));
  });
}
