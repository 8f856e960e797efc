/**
 * Where the store is when `--store` is not given:
 * 1. `$SMTP_OPS_STORE`;
 * 2. `$STATE_DIRECTORY` (set by systemd from the unit's `StateDirectory=`; the first one when it lists several);
 * 3. `./store` when this program runs from a checkout of the repository (a `src/` beside its `package.json`);
 * 4. `/var/lib/smtp-ops` for an installed package: the systemd unit's state directory, so the CLI, sendmail and serve agree with no configuration.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The state directory the systemd unit declares (`StateDirectory=smtp-ops`). */
export const INSTALLED_STORE = '/var/lib/smtp-ops';

/** The directory of the nearest package.json above this module. */
function packageRoot(from: string): string | null {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Whether this program runs from a checkout (sources beside the build) rather than an installed package. */
export function inCheckout(moduleDir = path.dirname(fileURLToPath(import.meta.url))): boolean {
  const root = packageRoot(moduleDir);
  return root !== null && existsSync(path.join(root, 'src', 'main.ts'));
}

/** The store directory, absolute. */
export function defaultStore(env: NodeJS.ProcessEnv, checkout = inCheckout()): string {
  if (env.SMTP_OPS_STORE) return path.resolve(env.SMTP_OPS_STORE);
  const state = env.STATE_DIRECTORY?.split(':').find(Boolean);
  if (state) return path.resolve(state);
  return checkout ? path.resolve('./store') : INSTALLED_STORE;
}
