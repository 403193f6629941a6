import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { roleMatrixMarkdown } from './roles';

describe('role matrix in docs/access.md', () => {
  it('matches CAPABILITIES (regenerate with roleMatrixMarkdown() when the table changes)', async () => {
    const doc = await readFile(new URL('../../../docs/access.md', import.meta.url), 'utf8');
    const m = /<!-- role-matrix:start[^>]*-->\n([\s\S]*?)\n<!-- role-matrix:end -->/.exec(doc);
    expect(m, 'docs/access.md has the role-matrix markers').not.toBeNull();
    expect(m![1]).toBe(roleMatrixMarkdown());
  });
});
