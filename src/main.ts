#!/usr/bin/env node
/** The `smtp-ops` bin: the command line is the CLI's (src/cli/main.ts); this only sets the exit code. */
import { runCli } from './cli/main.js';

runCli(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; a handle some library forgot must not keep a one-shot alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
