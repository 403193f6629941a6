import { BlobStoreUnavailableError } from '../blob/blob-store.js';
import { DatabaseBusyError, isDatabaseUnavailable } from '../db/busy.js';
import type { ServerResponse } from 'node:http';
import type { ErrorBody, ErrorCode } from '@mixroom/protocol';

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: ErrorCode, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/** Seconds a client is asked to wait after a 503 for a busy database. */
export const DATABASE_BUSY_RETRY_AFTER_S = 2;

/** What a request that failed with `err` answers: its own HttpError, 503 for an unreachable store or a busy database, else 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof BlobStoreUnavailableError) return new HttpError(503, 'storage_unavailable', err.message);
  if (isDatabaseUnavailable(err)) {
    const message = err instanceof DatabaseBusyError ? err.message : new DatabaseBusyError(err).message;
    return new HttpError(503, 'database_busy', message, { 'Retry-After': String(DATABASE_BUSY_RETRY_AFTER_S) });
  }
  return new HttpError(500, 'internal', 'internal server error');
}

export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const badRequest = (message: string) => new HttpError(400, 'bad_request', message);

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  sendJson(res, err.status, body, err.headers);
}
