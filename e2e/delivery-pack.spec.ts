// The delivery pack from the versions panel: an approved version offers "Delivery pack…"; a
// mistyped ISRC is named in plain words before anything downloads; the ZIP that downloads passes
// `unzip -t` and its files match the manifest recorded with the approval.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { encodeWav } from '../packages/engine/src/audio/wav';
import { demoCookie, signedInContext } from './helpers';
import { createSessionAs } from './support/session-fixtures';

test.setTimeout(240_000);

test('an approved version downloads its delivery pack with the metadata entered; a bad ISRC is refused first', async ({ browser, baseURL }) => {
  const cookie = await demoCookie(baseURL!);
  const id = await createSessionAs(baseURL!, 'Pack Song');
  try {
    const sr = 48000;
    const ch = [0, 1].map(() => Float32Array.from({ length: sr * 2 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 330 * i) / sr)));
    const up = await fetch(`${baseURL}/api/sessions/${id}/versions?source=upload&notes=final`, { method: 'POST', headers: { cookie, 'content-type': 'audio/wav' }, body: Buffer.from(encodeWav(ch, sr, { bitDepth: 24, dither: 'none' })) });
    expect(up.status).toBe(201);
    const v = (await up.json()) as { id: string; number: number };
    // The engineer created the session, so they own it and may approve.
    const ok = await fetch(`${baseURL}/api/sessions/${id}/versions/${v.id}/decision`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: baseURL! }, body: JSON.stringify({ decision: 'approve' }) });
    expect(ok.status).toBe(200);

    const context = await signedInContext(browser, 'engineer', { acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`/s/${id}`);
    await page.getByTestId('tab-versions').click();
    const row = page.getByTestId(`version-v${v.number}`);
    await row.getByTestId('pack-open').click();
    await expect(row.getByTestId('pack-title')).toHaveValue('Pack Song');
    await row.getByTestId('pack-artist').fill('Demo Band');
    await row.getByTestId('pack-isrc').fill('GB-ABC-26-001');
    await expect(row.getByTestId('pack-problem')).toContainText('ISRC "GB-ABC-26-001" is not valid: it must be 12 characters like GB-ABC-26-00001');
    await expect(row.getByTestId('pack-download')).toBeDisabled();
    await row.getByTestId('pack-isrc').fill('gb-abc-26-00042');
    await expect(row.getByTestId('pack-problem')).toHaveCount(0);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), row.getByTestId('pack-download').click()]);
    expect(download.suggestedFilename()).toBe(`Demo-Band-Pack-Song-v${v.number}-delivery.zip`);
    const file = (await download.path())!;
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toMatch(/No errors detected/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-pack-e2e-'));
    execFileSync('unzip', ['-o', '-q', file, '-d', dir]);
    const report = (await (await fetch(`${baseURL}/api/sessions/${id}/versions/${v.id}/report`, { headers: { cookie } })).json()) as { pack: { zipSha256: string; metadata: { isrc: string }; files: Array<{ name: string; sha256: string }> } };
    expect(report.pack.zipSha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(report.pack.metadata.isrc).toBe('GBABC2600042');
    for (const f of report.pack.files) expect(createHash('sha256').update(readFileSync(path.join(dir, f.name))).digest('hex'), f.name).toBe(f.sha256);
    const tags = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_format', '-of', 'json', path.join(dir, 'Demo-Band-Pack-Song-320kbps.mp3')], { encoding: 'utf8' })) as { format: { tags: Record<string, string> } };
    expect(tags.format.tags).toMatchObject({ title: 'Pack Song', artist: 'Demo Band' });
    await context.close();
  } finally {
    await fetch(`${baseURL}/api/sessions/${id}`, { method: 'DELETE', headers: { cookie } });
  }
});
