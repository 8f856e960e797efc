/** Build the shipped entry (tsc, as `npm run build` does) into a private directory for one test file. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Compile src/ with tsconfig.build.json into `.tmp/<name>/` (inside the repo, so
 * node_modules resolves). A private out dir: other test files may build at the same time.
 */
export function buildDist(name: string): string {
  const out = join(ROOT, '.tmp', name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, encoding: 'utf8' });
  // Type errors elsewhere in the tree still emit JavaScript; only a missing entry is fatal.
  const main = join(out, 'main.js');
  if (!existsSync(main)) throw new Error(`build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return main;
}
