// Browser tests drive Debian's Chromium (Playwright cannot download a browser here).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(path)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = root ? [] : ['sudo'];
  console.log(`Chromium not found at ${path}; installing Debian's chromium…`);
  const steps = [
    [...sudo, 'apt-get', 'update', '-qq'],
    [...sudo, 'apt-get', 'install', '-y', '-qq', 'chromium'],
  ];
  for (const [cmd, ...args] of steps) {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`Could not install Chromium (${cmd} ${args.join(' ')} failed). Install it, or set CHROMIUM_PATH.`);
      process.exit(1);
    }
  }
}
