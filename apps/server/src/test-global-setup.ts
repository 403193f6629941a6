// Runs once before vitest starts its workers: the PGlite template is built here, on its own, so no
// test's hook pays for initdb (15 s calm, over a minute at load 14 when every worker raced to build one).
import { pgliteTemplate } from './test-pglite-template.js';

export default async function setup(): Promise<void> {
  await pgliteTemplate();
}
