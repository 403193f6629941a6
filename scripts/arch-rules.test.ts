// The architecture rules of .dependency-cruiser.cjs (run on the repo by `npm run lint:arch`, which
// `npm run test:unit` runs) catch what they are meant to: a tiny monorepo with one planted
// violation of each rule, and the imports the rules allow, cruised with the repo's own config.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const depcruise = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

const files: Record<string, string> = {
  'tsconfig.base.json': JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true } }),
  // Allowed: a workspace's own files, another's public API, a type-only cycle.
  'packages/engine/src/index.ts': "export { a } from './model/a';\nexport type { T } from './model/types-a';\n",
  'packages/engine/src/model/types-a.ts': "import type { U } from './types-b';\nexport interface T { u?: U }\n",
  'packages/engine/src/model/types-b.ts': "import type { T } from './types-a';\nexport interface U { t?: T }\n",
  'apps/web/src/ok.ts': "import { a } from '../../../packages/engine/src/index';\nimport { own } from './own';\nexport const ok = a() + own;\n",
  'apps/web/src/own.ts': 'export const own = 1;\n',
  'apps/server/src/x.ts': 'export const x = 1;\n',
  // Planted: a runtime cycle,
  'packages/engine/src/model/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
  'packages/engine/src/model/b.ts': "import { a } from './a';\nexport const b = 1;\nexport const again = () => a;\n",
  // a package importing an app,
  'packages/protocol/src/index.ts': "import { x } from '../../../apps/server/src/x';\nexport const p = x;\n",
  // an app reaching deep into another workspace's src/.
  'apps/web/src/deep.ts': "import { a } from '../../../packages/engine/src/model/a';\nexport const deep = a;\n",
};

let dir: string;
let violations: { from: string; to: string; rule: string }[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-arch-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [depcruise, 'packages', 'apps', '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], { cwd: dir, maxBuffer: 16 << 20 }, (err, out, errOut) => {
      // Exit code = number of errors: expected here. Anything unparsable is a real failure.
      if (!out.trim().startsWith('{')) reject(err ?? new Error(errOut));
      else resolve(out);
    }),
  );
  const result = JSON.parse(stdout) as { summary: { violations: { from: string; to: string; rule: { name: string } }[] } };
  violations = result.summary.violations.map((v) => ({ from: v.from, to: v.to, rule: v.rule.name }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('architecture rules', () => {
  it('packages never import apps', () => {
    expect(violations).toContainEqual({ from: 'packages/protocol/src/index.ts', to: 'apps/server/src/x.ts', rule: 'packages-never-import-apps' });
  });

  it("another workspace only through its public API, never deep into its src/", () => {
    expect(violations).toContainEqual({ from: 'apps/web/src/deep.ts', to: 'packages/engine/src/model/a.ts', rule: 'no-deep-import-into-another-workspace' });
  });

  it('no import cycles (type-only imports excepted)', () => {
    // Reported once per cycle.
    const cycles = violations.filter((v) => v.rule === 'no-circular');
    expect(cycles).toHaveLength(1);
    expect([cycles[0].from, cycles[0].to].sort()).toEqual(['packages/engine/src/model/a.ts', 'packages/engine/src/model/b.ts']);
  });

  it('allows a workspace its own files, another workspace its public API, and type-only cycles', () => {
    const allowedFrom = ['apps/web/src/ok.ts', 'apps/web/src/own.ts', 'packages/engine/src/index.ts', 'packages/engine/src/model/types-a.ts', 'packages/engine/src/model/types-b.ts'];
    expect(violations.filter((v) => allowedFrom.includes(v.from))).toEqual([]);
    // Nothing but the planted violations: one per rule, plus the package-to-app import also
    // being a deep import into another workspace.
    expect(violations).toHaveLength(4);
    expect(violations).toContainEqual({ from: 'packages/protocol/src/index.ts', to: 'apps/server/src/x.ts', rule: 'no-deep-import-into-another-workspace' });
  });
});
