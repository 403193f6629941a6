import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { roleMatrixMarkdown } from './roles';

describe('role matrix in the README', () => {
  it('matches CAPABILITIES (regenerate with roleMatrixMarkdown() when the table changes)', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const m = /<!-- role-matrix:start[^>]*-->\n([\s\S]*?)\n<!-- role-matrix:end -->/.exec(readme);
    expect(m, 'README has the role-matrix markers').not.toBeNull();
    expect(m![1]).toBe(roleMatrixMarkdown());
  });
});
