// npm run render -- --session <id> --out mix.wav [--bits 16|24|32] [--rate 44100|48000|96000]
//                   [--start <s>] [--end <s>] [--channel <id or name>] [--whole-stems]
// Renders a stored session from the database (DATABASE_URL or the PGlite in DATA_DIR) and
// the blob store, with a progress bar on stderr. WAV/AIFF stems stream from storage a segment
// at a time; --whole-stems decodes every stem whole first (the old path, for comparisons).
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openBlobStore } from '../blob/open.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/open.js';
import { RenderInputError, renderStoredSession, type RenderSessionOptions } from './render-session.js';

export function parseRenderArgs(argv: string[]): RenderSessionOptions & { out: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      session: { type: 'string' },
      out: { type: 'string' },
      bits: { type: 'string', default: '24' },
      rate: { type: 'string', default: '48000' },
      start: { type: 'string' },
      end: { type: 'string' },
      channel: { type: 'string' },
      'whole-stems': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.session) throw new RenderInputError('--session <id> is required');
  if (!values.out) throw new RenderInputError('--out <file.wav> is required');
  const bits = Number(values.bits);
  if (![16, 24, 32].includes(bits)) throw new RenderInputError(`--bits must be 16, 24 or 32 (got ${values.bits})`);
  const rate = Number(values.rate);
  if (![44100, 48000, 96000].includes(rate)) throw new RenderInputError(`--rate must be 44100, 48000 or 96000 (got ${values.rate})`);
  const seconds = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new RenderInputError(`--${name} must be a number of seconds ≥ 0 (got ${v})`);
    return n;
  };
  return {
    sessionId: values.session,
    out: values.out,
    bitDepth: bits as 16 | 24 | 32,
    sampleRate: rate as 44100 | 48000 | 96000,
    startSeconds: seconds('start', values.start),
    endSeconds: seconds('end', values.end),
    channel: values.channel,
    wholeStems: values['whole-stems'],
  };
}

function progressBar(fraction: number): string {
  const width = 30;
  const filled = Math.round(fraction * width);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)}%`;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseRenderArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`render: ${e instanceof Error ? e.message : e}\n`);
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const { blobs } = await openBlobStore(config);
    const started = performance.now();
    // Written as the render goes, beside the target: a failed render leaves no half file behind
    // and does not clobber an earlier one.
    const partial = `${args.out}.partial`;
    const out = await open(partial, 'w');
    let seconds: number;
    let notes: string[];
    try {
      ({ notes, seconds } = await renderStoredSession(db.prisma, blobs, { ...args, onProgress: (f) => process.stderr.write(progressBar(f)) }, async (bytes) => {
        for (let at = 0; at < bytes.length; ) at += (await out.write(bytes, at)).bytesWritten;
      }));
      await out.close();
      await rename(partial, args.out);
    } catch (e) {
      await out.close();
      await rm(partial, { force: true });
      throw e;
    }
    const took = (performance.now() - started) / 1000;
    process.stderr.write(`\n${args.out}: ${seconds.toFixed(1)} s of audio in ${took.toFixed(1)} s (${(seconds / took).toFixed(1)}× real time, peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MB)\n`);
    for (const n of notes) process.stderr.write(`note: ${n}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`\nrender: ${e instanceof Error ? e.message : e}\n`);
    return e instanceof RenderInputError ? 2 : 1;
  } finally {
    await db.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().then((code) => process.exit(code));
}
