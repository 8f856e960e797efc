/** Every environment variable the code reads is in the one table `--help` and the README list. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ENV_VARS } from '../../src/cli/env-vars.js';
import { ROOT } from './build.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

it('lists every variable read as env.NAME or env["NAME"] anywhere in src/', () => {
  const read = new Set<string>();
  for (const f of sources(join(ROOT, 'src'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]+)|\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]|getEnv\(['"]([A-Z][A-Z0-9_]+)['"]\)/g)) read.add(m[1] ?? m[2] ?? m[3]);
  }
  const listed = new Set(ENV_VARS.map((v) => v.name));
  expect([...read].filter((n) => !listed.has(n)).sort()).toEqual([]);
  // And nothing listed that nothing reads (SHELL/ZSH_NAME are yargs', for completion).
  expect([...listed].filter((n) => !read.has(n)).sort()).toEqual([]);
  expect(read.size).toBeGreaterThan(15);
});
