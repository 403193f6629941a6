import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { downloadZip } from 'client-zip';
import { describe, expect, it } from 'vitest';
import { zipFiles } from './stem-zip';

describe('zipFiles (Export stems)', () => {
  it('writes a zip that the system unzip lists and verifies, with the exact bytes and names back', async () => {
    const a = new Uint8Array(100_000).map((_, i) => (i * 7) % 251);
    const b = new TextEncoder().encode('RIFF....WAVE');
    const dir = mkdtempSync(path.join(tmpdir(), 'mixroom-zip-'));
    const file = path.join(dir, 'stems.zip');
    const zip = await zipFiles([
      { name: '01-Bass.wav', blob: new Blob([a]) },
      { name: '02-Chœur-return.wav', blob: new Blob([b]) },
    ]);
    writeFileSync(file, new Uint8Array(await zip.arrayBuffer()));
    expect(execFileSync('unzip', ['-t', file]).toString()).toContain('No errors detected');
    expect(execFileSync('unzip', ['-Z1', file]).toString().split('\n').filter(Boolean)).toEqual(['01-Bass.wav', '02-Chœur-return.wav']);
    expect(execFileSync('unzip', ['-p', file, '02-Chœur-return.wav']).toString()).toBe('RIFF....WAVE');
    expect(new Uint8Array(execFileSync('unzip', ['-p', file, '01-Bass.wav'], { maxBuffer: 1 << 20 }))).toEqual(a);
    // STORE: the archive is the files plus headers, nothing compressed.
    expect(zip.size).toBeGreaterThan(a.length + b.length);
    expect(zip.size).toBeLessThan(a.length + b.length + 400);
    rmSync(dir, { recursive: true, force: true });
  });

  // 4.3 GB written to disk: run by hand with MIXROOM_LARGE_TESTS=1 (about a minute here).
  it.runIf(process.env.MIXROOM_LARGE_TESTS === '1')('an export past 4 GiB is a ZIP64 archive unzip verifies', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mixroom-zip64-'));
    const file = path.join(dir, 'big.zip');
    const chunk = new Uint8Array(1 << 20).map((_, i) => i % 253);
    const size = 2 ** 32 + 5 * 2 ** 20;
    async function* bytes() {
      for (let n = 0; n < size; n += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, size - n));
    }
    const res = downloadZip([
      { name: 'small.wav', input: new Blob([new Uint8Array(10)]) },
      { name: 'big.wav', input: bytes(), size },
      { name: 'after.wav', input: new Blob([new TextEncoder().encode('after the 4 GiB mark')]) },
    ]);
    await pipeline(Readable.fromWeb(res.body! as never), createWriteStream(file));
    expect(statSync(file).size).toBeGreaterThan(size);
    const list = execFileSync('unzip', ['-l', file]).toString();
    expect(list).toContain(String(size));
    expect(execFileSync('unzip', ['-p', file, 'after.wav']).toString()).toBe('after the 4 GiB mark');
    expect(execFileSync('unzip', ['-t', file], { maxBuffer: 1 << 24 }).toString()).toContain('No errors detected');
    rmSync(dir, { recursive: true, force: true });
  }, 600_000);
});
