/** Build the shipped entry (tsc, as `npm run build` does) once per state of src/, shared by the test files that spawn it. */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** A fingerprint of src/: paths, sizes and mtimes of every file. */
function sourceStamp(): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        h.update(`${p}:${s.size}:${s.mtimeMs}\n`);
      }
    }
  };
  walk(join(ROOT, 'src'));
  return h.digest('hex').slice(0, 16);
}

/**
 * Compile src/ with tsconfig.build.json into `.tmp/test-dist-<stamp>/` (inside
 * the repo, so node_modules resolves) unless that build exists already. Built
 * in a private directory and renamed into place, so test files building at the
 * same time never see half a build. Returns the path of main.js.
 */
export function buildDist(_label = 'test'): string {
  const out = join(ROOT, '.tmp', `test-dist-${sourceStamp()}`);
  const main = join(out, 'main.js');
  if (existsSync(main)) return main;
  const tmp = join(ROOT, '.tmp', `building-${randomBytes(6).toString('hex')}`);
  mkdirSync(tmp, { recursive: true });
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', tmp], { cwd: ROOT, encoding: 'utf8' });
  // Type errors elsewhere in the tree still emit JavaScript; only a missing entry is fatal.
  if (!existsSync(join(tmp, 'main.js'))) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  try {
    renameSync(tmp, out);
  } catch {
    // Another test file finished the same build first: use theirs.
    rmSync(tmp, { recursive: true, force: true });
  }
  // Builds of older sources: keep recent ones (a run in progress may still use them).
  for (const e of readdirSync(join(ROOT, '.tmp'))) {
    const p = join(ROOT, '.tmp', e);
    // Another test file may be removing the same old build right now.
    const age = Date.now() - (statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (/^test-dist-/.test(e) && p !== out && age > 30 * 60_000) rmSync(p, { recursive: true, force: true });
  }
  return main;
}
