// Mix updates the database would not take at shutdown, kept on local disk until the next start.
// A file per session and shutdown: the session's pending updates merged into one Yjs update.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { UpdateLog } from './update-log.js';

const SUFFIX = '.yupdate';

export class SpillDir {
  constructor(readonly dir: string) {}

  /** Writes durably (fsync, then rename into place) and returns the file's path. */
  async write(sessionId: string, update: Uint8Array): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const name = `${sessionId}.${Date.now()}.${randomBytes(4).toString('hex')}${SUFFIX}`;
    const file = path.join(this.dir, name);
    const tmp = `${file}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(update);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
    return file;
  }

  /**
   * Appends every spilled update to its session's log (a Yjs update applied twice is a no-op, so a
   * crash between the append and the removal only repeats it). A session deleted meanwhile drops
   * its file; a file that cannot be appended stays for the next start.
   */
  async replay(log: UpdateLog, logger: Logger): Promise<{ replayed: number; dropped: number; kept: number }> {
    const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
    const result = { replayed: 0, dropped: 0, kept: 0 };
    for (const name of names.filter((n) => n.endsWith(SUFFIX)).sort()) {
      const file = path.join(this.dir, name);
      const sessionId = name.slice(0, name.indexOf('.'));
      try {
        if (!(await log.sessionExists(sessionId))) {
          logger.warn(`spilled mix updates of session ${sessionId} dropped: the session no longer exists (${file})`);
          await rm(file, { force: true });
          result.dropped++;
          continue;
        }
        await log.appendMany([{ sessionId, update: new Uint8Array(await readFile(file)) }]);
        await rm(file, { force: true });
        result.replayed++;
      } catch (err) {
        logger.error(`could not replay spilled mix updates from ${file}; kept for the next start`, err);
        result.kept++;
      }
    }
    if (result.replayed > 0) logger.info(`replayed ${result.replayed} file(s) of mix updates left unpersisted at the last shutdown (${this.dir})`);
    return result;
  }
}
