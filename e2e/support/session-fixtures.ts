// Sessions, members and stems set up through the API from the test process (fast, no UI), so
// specs spend their browser time on what they test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@playwright/test';
import type { GetSessionResponse } from '@mixroom/protocol';
import { ARTIFACTS_DIR, demoCookie, type DEMO } from '../helpers';

export async function createSessionAs(baseURL: string, title: string, who: keyof typeof DEMO = 'engineer'): Promise<string> {
  const res = await fetch(`${baseURL}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: await demoCookie(baseURL, who) }, body: JSON.stringify({ title }) });
  expect(res.status, 'create session').toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A session as its API gives it (stems with their durations), read as the demo engineer. */
export async function sessionAs(baseURL: string, sessionId: string): Promise<GetSessionResponse> {
  const res = await fetch(`${baseURL}/api/sessions/${sessionId}`, { headers: { cookie: await demoCookie(baseURL, 'engineer') } });
  expect(res.status, 'get session').toBe(200);
  return (await res.json()) as GetSessionResponse;
}

/** The demo engineer (owner of the session) invites the demo artist, who accepts. */
export async function addDemoMember(baseURL: string, sessionId: string, who: keyof typeof DEMO, role: string): Promise<void> {
  const owner = await demoCookie(baseURL, 'engineer');
  const created = await fetch(`${baseURL}/api/sessions/${sessionId}/invites`, { method: 'POST', headers: { cookie: owner, 'content-type': 'application/json' }, body: JSON.stringify({ role }) });
  expect(created.status, 'create invite').toBe(201);
  const { token } = (await created.json()) as { token: string };
  const accepted = await fetch(`${baseURL}/api/invites/${token}/accept`, { method: 'POST', headers: { cookie: await demoCookie(baseURL, who) } });
  expect(accepted.status, 'accept invite').toBe(200);
}

/** A short stereo WAV made by ffmpeg: a sine at `hz`, so each take sounds (and hashes) different. */
export function sineWav(name: string, hz: number, seconds = 3): string {
  const dir = path.join(ARTIFACTS_DIR, 'stem-edit');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000:duration=${seconds}`, '-ac', '2', '-c:a', 'pcm_s16le', file]);
  return file;
}

/** Uploads a file as a new stem over tus (one PATCH); returns the stem id. */
export async function uploadStem(baseURL: string, sessionId: string, file: string): Promise<string> {
  const cookie = await demoCookie(baseURL, 'engineer');
  const bytes = readFileSync(file);
  const created = await fetch(`${baseURL}/api/sessions/${sessionId}/uploads`, {
    method: 'POST',
    headers: { cookie, 'Tus-Resumable': '1.0.0', 'Upload-Length': String(bytes.length), 'Upload-Metadata': `filename ${Buffer.from(path.basename(file)).toString('base64')}` },
  });
  expect(created.status, 'create upload').toBe(201);
  const done = await fetch(`${baseURL}${created.headers.get('location')}`, {
    method: 'PATCH',
    headers: { cookie, 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    body: bytes,
  });
  expect(done.status, 'upload').toBe(204);
  return done.headers.get('mixroom-stem-id')!;
}
