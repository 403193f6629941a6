// Compares the Node and Chromium renders the same-sound test left in test-results/artifacts:
// per variant, the null as rendered, the lag (samples) that nulls best, and the null per side.
// Usage: tsx e2e/support/same-sound-compare.ts
import { readFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve('test-results/artifacts');
const fixture = JSON.parse(readFileSync(path.join(dir, 'same-sound-node.json'), 'utf8')) as { variants: Array<{ name: string; node: string[] }> };
const f32 = (b64: string) => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};
const nullDb = (a: Float32Array, b: Float32Array, lag = 0) => {
  let e = 0;
  let d = 0;
  for (let i = 512; i < a.length - 512; i++) {
    e += a[i] * a[i];
    const x = a[i] - b[i + lag];
    d += x * x;
  }
  return 10 * Math.log10(e / Math.max(d, 1e-30));
};
fixture.variants.forEach((v, i) => {
  const web = (JSON.parse(readFileSync(path.join(dir, `same-sound-${i}-chromium.json`), 'utf8')) as { channels: string[] }).channels.map(f32);
  const node = v.node.map(f32);
  let best = { lag: 0, db: -Infinity };
  for (let lag = -300; lag <= 300; lag++) {
    const db = nullDb(node[0], web[0], lag);
    if (db > best.db) best = { lag, db };
  }
  const gainRatio = Math.sqrt(node[0].reduce((a, s) => a + s * s, 0) / web[0].reduce((a, s) => a + s * s, 0));
  console.log(`${v.name}: L ${nullDb(node[0], web[0]).toFixed(1)} dB, R ${nullDb(node[1], web[1]).toFixed(1)} dB; best lag ${best.lag} → L ${best.db.toFixed(1)} dB; level ratio node/chromium L ${(20 * Math.log10(gainRatio)).toFixed(2)} dB`);
});
