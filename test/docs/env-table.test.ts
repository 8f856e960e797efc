/** The README's environment-variable table names every variable the program reads. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { SECRET_VARIABLES } from '../../src/cli/credentials.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return sources(p);
    return d.name.endsWith('.ts') ? [p] : [];
  });
}

/** `env.X`, `env?.X`, `env['X']` and `process.env.X` in src/, and the variables credentials are read for. */
function variablesRead(): Set<string> {
  const found = new Set<string>(SECRET_VARIABLES);
  const re = /\benv\??\.([A-Z][A-Z0-9_]*)\b|\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g;
  for (const f of sources(path.join(ROOT, 'src'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(re)) found.add(m[1] ?? m[2]);
  }
  return found;
}

/** The names in the first column of the table under `### Environment variables`. */
function documented(): Set<string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Environment variables');
  expect(start, 'README.md has an "### Environment variables" section').toBeGreaterThan(0);
  const rows = readme.slice(start).split('\n').slice(1);
  const table = rows.slice(rows.findIndex((l) => l.startsWith('|')));
  const names = new Set<string>();
  for (const line of table) {
    if (!line.startsWith('|')) break;
    const first = line.split('|')[1] ?? '';
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]);
  }
  return names;
}

test('every environment variable read in src/ has a row in the README table', () => {
  const read = variablesRead();
  // The scan itself works: it finds variables from several layers.
  for (const v of ['SMTP_OPS_STORE', 'SMTP_OPS_HTTP', 'STATE_DIRECTORY', 'CREDENTIALS_DIRECTORY', 'SLACK_BOT_TOKEN', 'NO_COLOR']) expect(read).toContain(v);
  const missing = [...read].filter((v) => !documented().has(v)).sort();
  expect(missing, 'README.md "Environment variables" lacks these').toEqual([]);
});
