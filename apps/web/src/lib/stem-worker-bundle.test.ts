import { build } from 'esbuild';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The stem worker's script is fetched and compiled before a session's stems can open, on every
// visit: it must not carry what it does not use. Its imports from the protocol package once
// pulled in all the protocol's zod schemas (0.5 MB of the 0.5 MB script).
describe('the stem worker bundle', () => {
  it('stays small and free of the protocol schemas', async () => {
    const out = await build({
      entryPoints: [path.resolve(import.meta.dirname, 'stem-worker.ts')],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    // What is in the output (every import is listed among the inputs, even one tree-shaken away).
    const [output] = Object.values(out.metafile.outputs);
    const bundled = Object.entries(output.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([f]) => f);
    expect(bundled.filter((f) => f.includes('node_modules/zod'))).toEqual([]);
    expect(out.outputFiles[0].contents.byteLength).toBeLessThan(100 * 1024);
  });
});
