/** The REPL session prints the doctor's checks as they finish, above the progress bar, then the report. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend, type Backend } from '../../../src/cli/backend.js';
import { createSession } from '../../../src/cli/repl/session.js';

let backend: Backend | undefined;
let dir = '';
afterEach(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('REPL session', () => {
  it('streams doctor steps as lines while it runs, then prints the full report', async () => {
    dir = mkdtempSync(join(tmpdir(), 'repl-doctor-'));
    backend = await openBackend({ storeDir: join(dir, 'store'), actor: { platform: 'repl', id: 'me' }, worker: false, env: {} });
    const out: { kind: 'write' | 'print'; text: string }[] = [];
    const session = createSession(backend, {
      print: (text) => out.push({ kind: 'print', text }),
      write: (text) => out.push({ kind: 'write', text }),
      ask: async () => '',
      color: false,
      progress: true,
      width: () => 100,
    });
    await session.line('config set relay-host=127.0.0.1 relay-port=9 use-tls=off');
    await session.line('doctor');
    const writes = out.filter((o) => o.kind === 'write').map((o) => o.text);
    const stepLines = writes.filter((w) => /^\r\u001b\[2K {2}[✓!✗-] /.test(w));
    expect(stepLines.length).toBeGreaterThan(10);
    // Each finished check is printed once, as it finishes.
    expect(new Set(stepLines).size).toBe(stepLines.length);
    expect(writes.some((w) => /^\r\[[█░]+\] +\d+% doctor \d+\/\d+$/.test(w))).toBe(true);
    const report = out.filter((o) => o.kind === 'print').at(-1)!.text;
    expect(report).toMatch(/^Doctor\n/);
    expect(report).toMatch(/✗ FAIL {2}Relay reachable \(firewall\)\n {10}nothing is listening on relay 127\.0\.0\.1:9/);
    // The report comes after every streamed line.
    expect(out.findIndex((o) => o.kind === 'print' && o.text.startsWith('Doctor'))).toBeGreaterThan(out.findIndex((o) => stepLines.includes(o.text)));
  });
});
