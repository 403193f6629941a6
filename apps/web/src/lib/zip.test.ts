import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, zipStore } from './zip';

describe('zipStore (Export stems)', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789')).toString(16)).toBe('cbf43926');
  });

  it('writes a zip that the system unzip lists and verifies, with the exact bytes back', () => {
    const a = new Uint8Array(1000).map((_, i) => i % 251);
    const b = new TextEncoder().encode('RIFF....WAVE');
    const dir = mkdtempSync(path.join(tmpdir(), 'mixroom-zip-'));
    const file = path.join(dir, 'stems.zip');
    writeFileSync(file, zipStore([{ name: '01-Bass.wav', wav: a }, { name: '02-reverb-return.wav', wav: b }]));
    expect(execFileSync('unzip', ['-t', file]).toString()).toContain('No errors detected');
    expect(execFileSync('unzip', ['-p', file, '02-reverb-return.wav']).toString()).toBe('RIFF....WAVE');
    expect(new Uint8Array(execFileSync('unzip', ['-p', file, '01-Bass.wav']))).toEqual(a);
  });
});
