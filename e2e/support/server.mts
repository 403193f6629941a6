// The e2e suite's server (ESM, .mts: the server's modules and this one must share one copy of Yjs): the real one (apps/server/src/run.ts, as `npm start` runs it) on a fresh
// data dir, minus two minutes-long first-start costs that every run used to pay again for the
// same result (about 50 s of the suite at load 12, ~25 s on a calm machine):
// - PGlite's initdb (~15 s): the data dir starts from a copy of an empty cluster, the one the
//   server suites use (apps/server/src/test-pglite-template.ts, made here if missing). Migrations still run against it through the server's own code.
// - rendering the demo song (~35 s): the stems are byte-reproducible (seeded PRNG), so a render is
//   kept in os.tmpdir(), keyed by the sources it comes from (render-demo.ts and everything it
//   imports, hashed) and the versions of Tone.js and node-web-audio-api. Seeding (encoding, blobs,
//   database rows, the mix document) runs in full on every start.
// MIXROOM_E2E_NO_CACHE=1 starts the slow way, exactly as a new install does.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDemoStems } from '@mixroom/engine/node';
import type { DemoGenerator, DemoSong } from '../../apps/server/src/seed';
import { runServer } from '../../apps/server/src/run';
import { pgliteTemplate } from '../../apps/server/src/test-pglite-template';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(path.join(ROOT, 'apps/server/package.json'));
const useCache = process.env.MIXROOM_E2E_NO_CACHE !== '1';
const say = (text: string) => process.stdout.write(`[e2e server] ${text}\n`);

function packageVersion(name: string, from = require): string {
  let dir = path.dirname(from.resolve(name));
  while (!existsSync(path.join(dir, 'package.json')) || JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json for ${name}`);
    dir = up;
  }
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version as string;
}

/** Hash of render-demo.ts, every file it imports (relative imports, followed), and the packages it imports. */
function demoRenderKey(): string {
  const hash = createHash('sha256');
  const engineRequire = createRequire(path.join(ROOT, 'packages/engine/package.json'));
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    hash.update(path.relative(ROOT, file)).update(text);
    for (const [, spec] of text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)) {
      if (spec.startsWith('.')) {
        const base = path.resolve(path.dirname(file), spec);
        const found = [base, `${base}.ts`, path.join(base, 'index.ts')].find((f) => existsSync(f) && f.endsWith('.ts'));
        if (!found) throw new Error(`demo cache key: cannot resolve ${spec} from ${file}`);
        visit(found);
      } else {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  };
  visit(path.join(ROOT, 'packages/engine/src/demo/render-demo.ts'));
  for (const name of [...packages].sort()) hash.update(`${name}@${packageVersion(name, engineRequire)}`);
  hash.update(`${process.platform}-${process.arch}`);
  return hash.digest('hex').slice(0, 16);
}

/** renderDemoStems(), or the stored result of an earlier call with the same sources. */
function cachedDemoGenerator(): DemoGenerator {
  return async (): Promise<DemoSong> => {
    const dir = path.join(os.tmpdir(), `mixroom-e2e-demo-${demoRenderKey()}`);
    const metaFile = path.join(dir, 'song.json');
    if (existsSync(metaFile)) {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { title: string; tempo: number; stems: Array<{ name: string; sampleRate: number; suggestedGainDb: number; channels: number }> };
      say(`demo stems from ${dir}`);
      return {
        title: meta.title,
        tempo: meta.tempo,
        stems: meta.stems.map((s, i) => ({
          ...s,
          channels: Array.from({ length: s.channels }, (_, c) => {
            const bytes = readFileSync(path.join(dir, `${i}-${c}.f32`));
            return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
          }),
        })),
      };
    }
    const song = await renderDemoStems();
    const building = `${dir}.building-${process.pid}`;
    mkdirSync(building, { recursive: true });
    song.stems.forEach((s, i) => s.channels.forEach((ch, c) => writeFileSync(path.join(building, `${i}-${c}.f32`), new Uint8Array(ch.buffer, ch.byteOffset, ch.byteLength))));
    const meta = { title: song.title, tempo: song.tempo, stems: song.stems.map((s) => ({ name: s.name, sampleRate: s.sampleRate, suggestedGainDb: s.suggestedGainDb, channels: s.channels.length })) };
    writeFileSync(path.join(building, 'song.json'), JSON.stringify(meta));
    try {
      renameSync(building, dir);
      say(`demo stems rendered and kept in ${dir}`);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another run stored it first
    }
    return song;
  };
}

async function main(): Promise<void> {
  const dataDir = process.env.DATA_DIR;
  if (!dataDir) throw new Error('DATA_DIR must be set (playwright.config.ts sets it)');
  // Fresh per run: the server seeds the demo song into an empty data dir.
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  if (useCache) cpSync(await pgliteTemplate(), path.join(dataDir, 'pglite'), { recursive: true });
  await runServer(useCache ? { seed: { generator: cachedDemoGenerator() } } : {});
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
