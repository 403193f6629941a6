// Browser side of stem uploads: a tus 1.0 client on XMLHttpRequest (fetch has no upload
// progress). Files go up in chunked PATCHes; after a network drop the client asks the server
// (HEAD) how much arrived and continues from there: the server keeps every byte that reached its
// disk, so a dropped connection costs only what was in flight. A busy server (503 + Retry-After,
// `database_busy`) is waited out under the page's "server is busy" notice: nothing is lost.
import { UPLOAD_CHUNK_BYTES, UPLOAD_NOTES_HEADER, uploadsUrl, UPLOAD_STEM_HEADER } from '@mixroom/protocol';
import { busyHold, busyWaitMs, fetchRetryingWhenBusy, isBusyAnswer, type BusyRetryOptions } from './busy-retry';

export type UploadStatus = 'queued' | 'uploading' | 'retrying' | 'processing' | 'done' | 'error' | 'cancelled';

export interface UploadItem {
  key: string;
  fileName: string;
  size: number;
  sent: number;
  /** Bytes per second over the last few seconds. */
  speed: number;
  status: UploadStatus;
  error: string | null;
  stemId: string | null;
  /** The server's notes on an accepted file ("only 10 ms long", another sample rate, a name taken). */
  notes: string[];
  /** Set for a new take: the stem it replaces and the channel's name (for the row's label). */
  replaces: { stemId: string; channelName: string } | null;
}

const CONCURRENCY = 2;
const MAX_RETRIES = 8;

/** Busy answers waited out in a row before an upload fails (~2+4+8×8 s with Retry-After: 2). */
const MAX_BUSY_RETRIES = 10;

class UploadFailed extends Error {}
/** The server answered 503 + Retry-After: it did nothing with this request; send it again later. */
class ServerBusy extends Error {
  constructor(readonly retryAfter: string | null, message: string) {
    super(message);
  }
}

interface Job {
  item: UploadItem;
  file: File;
  location: string | null;
  xhr: XMLHttpRequest | null;
  cancelled: boolean;
  samples: Array<{ t: number; sent: number }>;
}

let nextKey = 0;

export class UploadQueue {
  private jobs: Job[] = [];
  private snapshot: UploadItem[] = [];
  private readonly listeners = new Set<() => void>();
  private active = 0;

  /** `busy` tunes the waits after busy answers (tests shorten them). */
  constructor(private readonly sessionId: string, private readonly busy: BusyRetryOptions = {}) {}

  getSnapshot = (): UploadItem[] => this.snapshot;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** Queues files as new channels, or (with `replaces`) one file as a new take of that stem's channel. */
  add(files: Iterable<File>, replaces: UploadItem['replaces'] = null): void {
    for (const file of files) {
      this.jobs.push({
        item: { key: `u${nextKey++}`, fileName: file.name, size: file.size, sent: 0, speed: 0, status: 'queued', error: null, stemId: null, notes: [], replaces },
        file, location: null, xhr: null, cancelled: false, samples: [],
      });
    }
    this.emit();
    this.pump();
  }

  cancel(key: string): void {
    const job = this.jobs.find((j) => j.item.key === key);
    if (!job || ['done', 'error', 'cancelled'].includes(job.item.status)) return;
    job.cancelled = true;
    job.xhr?.abort();
    this.set(job, { status: 'cancelled', speed: 0 });
    // Termination frees the server's partial file now instead of at expiry.
    if (job.location) void fetchRetryingWhenBusy(job.location, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0' } }, this.busy).catch(() => {});
  }

  /** Removes finished, failed and cancelled rows from the list. */
  clearFinished(): void {
    this.jobs = this.jobs.filter((j) => !['done', 'error', 'cancelled'].includes(j.item.status));
    this.emit();
  }

  private emit(): void {
    this.snapshot = this.jobs.map((j) => j.item);
    for (const l of this.listeners) l();
  }

  private set(job: Job, patch: Partial<UploadItem>): void {
    job.item = { ...job.item, ...patch };
    this.emit();
  }

  private pump(): void {
    while (this.active < CONCURRENCY) {
      const job = this.jobs.find((j) => j.item.status === 'queued');
      if (!job) return;
      this.active++;
      void this.run(job).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    // On while this upload waits out a busy server: the page says so instead of failing the file.
    const busyNotice = busyHold();
    try {
      this.set(job, { status: 'uploading' });
      job.location = await this.create(job);
      let offset = 0;
      let retries = 0;
      let busyRetries = 0;
      while (!job.cancelled) {
        try {
          const res = await this.patch(job, offset);
          retries = busyRetries = 0;
          busyNotice(false);
          offset = res.offset;
          if (res.stemId) {
            this.set(job, { status: 'done', sent: job.file.size, speed: 0, stemId: res.stemId, notes: res.notes });
            return;
          }
        } catch (e) {
          if (job.cancelled) return;
          this.set(job, { status: 'retrying', speed: 0 });
          if (e instanceof ServerBusy) {
            // The server did nothing with this PATCH (or kept the finished file for the next one).
            if (busyRetries >= MAX_BUSY_RETRIES) throw new UploadFailed(e.message);
            busyNotice(true);
            await sleep(busyWaitMs(e.retryAfter, busyRetries++, this.busy));
          } else {
            if (e instanceof UploadFailed || ++retries > MAX_RETRIES) throw e;
            // Network trouble: wait, then ask the server where to continue.
            await sleep(Math.min(500 * 2 ** (retries - 1), 8000));
          }
          if (job.cancelled) return;
          offset = await this.headOffset(job);
          this.set(job, { status: 'uploading', sent: offset });
        }
      }
    } catch (e) {
      if (!job.cancelled) this.set(job, { status: 'error', speed: 0, error: e instanceof Error ? e.message : String(e) });
    } finally {
      busyNotice(false);
    }
  }

  private async create(job: Job): Promise<string> {
    const res = await fetchRetryingWhenBusy(uploadsUrl(this.sessionId), {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(job.file.size),
        'Upload-Metadata': [`filename ${b64(job.file.name)}`, ...(job.item.replaces ? [`replacesStemId ${b64(job.item.replaces.stemId)}`] : [])].join(','),
      },
    }, this.busy);
    if (res.status !== 201) throw new UploadFailed(await errorText(res.status, await res.text()));
    return res.headers.get('location')!;
  }

  private async headOffset(job: Job): Promise<number> {
    const res = await fetchRetryingWhenBusy(job.location!, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' }, cache: 'no-store' }, this.busy);
    if (res.status === 404 || res.status === 410) throw new UploadFailed('the server no longer has this upload; add the file again');
    if (!res.ok) throw new Error(`HEAD ${res.status}`);
    return Number(res.headers.get('upload-offset'));
  }

  private patch(job: Job, offset: number): Promise<{ offset: number; stemId: string | null; notes: string[] }> {
    const end = Math.min(job.file.size, offset + UPLOAD_CHUNK_BYTES);
    const last = end === job.file.size;
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      job.xhr = xhr;
      xhr.open('PATCH', job.location!);
      xhr.setRequestHeader('Tus-Resumable', '1.0.0');
      xhr.setRequestHeader('Upload-Offset', String(offset));
      xhr.setRequestHeader('Content-Type', 'application/offset+octet-stream');
      xhr.upload.onprogress = (e) => {
        const sent = offset + e.loaded;
        this.set(job, { sent, speed: this.speed(job, sent) });
        // The last chunk's bytes are all sent; the server now probes and stores the file.
        if (last && e.loaded === e.total) this.set(job, { status: 'processing' });
      };
      xhr.onload = () => {
        if (xhr.status === 204) {
          resolve({ offset: Number(xhr.getResponseHeader('Upload-Offset')), stemId: xhr.getResponseHeader(UPLOAD_STEM_HEADER), notes: parseNotes(xhr.getResponseHeader(UPLOAD_NOTES_HEADER)) });
        } else if (isBusyAnswer(xhr.status, xhr.getResponseHeader('Retry-After'))) {
          reject(new ServerBusy(xhr.getResponseHeader('Retry-After'), errorTextSync(xhr.status, xhr.responseText)));
        } else if (xhr.status === 503 && xhr.responseText.includes('"storage_unavailable"')) {
          // The server could not store the finished file and has discarded the upload: say why.
          reject(new UploadFailed(errorTextSync(xhr.status, xhr.responseText)));
        } else if (xhr.status === 409 || xhr.status >= 500) {
          reject(new Error(`server answered ${xhr.status}`));
        } else {
          reject(new UploadFailed(errorTextSync(xhr.status, xhr.responseText)));
        }
      };
      xhr.onerror = () => reject(new Error('network error'));
      xhr.onabort = () => reject(new Error('aborted'));
      xhr.send(job.file.slice(offset, end));
    });
  }

  private speed(job: Job, sent: number): number {
    const now = performance.now();
    job.samples.push({ t: now, sent });
    while (job.samples.length > 2 && now - job.samples[0].t > 3000) job.samples.shift();
    const first = job.samples[0];
    return now > first.t ? ((sent - first.sent) * 1000) / (now - first.t) : 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function b64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function parseNotes(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const notes = JSON.parse(decodeURIComponent(raw)) as unknown;
    return Array.isArray(notes) ? notes.filter((n): n is string => typeof n === 'string') : [];
  } catch {
    return [];
  }
}

function errorTextSync(status: number, body: string): string {
  try {
    return (JSON.parse(body) as { error: { message: string } }).error.message;
  } catch {
    return `upload failed (${status})`;
  }
}
const errorText = async (status: number, body: string) => errorTextSync(status, body);
