/**
 * The range part of the report benchmark: the generated day replayed on the
 * days before it, so a store holds N days of the same traffic without
 * generating each through the engine (which takes minutes a day). Each copy
 * is the day's own aggregate records shifted by whole days, with the message
 * ids renamed per day (so a message deferred on two days stays two messages,
 * as in the Postfix log written beside it, which is the same entries shifted
 * and renamed the same way).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Level } from 'level';
import type { LogEntry } from '../src/engine/index.js';

const DAY = 86_400_000;
const CHILD = fileURLToPath(new URL('./report-range-child.ts', import.meta.url));

/**
 * A message id as the same message `k` days earlier: the engine's ids start
 * with 9 base-36 characters of their creation time (shifted), then a
 * sequence and a salt (the salt gets the day, so ids stay unique).
 */
export function shiftId(id: string, k: number): string {
  if (k === 0) return id;
  const t = parseInt(id.slice(0, 9), 36);
  if (id.length !== 18 || !Number.isFinite(t)) return `${id}z${k}`;
  return (t - k * DAY).toString(36).padStart(9, '0') + id.slice(9, 13) + k.toString(36).padStart(5, '0');
}

/** Copy the aggregate records of [start, end) to the `back` days before (UTC-whole-day shifts). Returns the records written. */
export async function replicateDays(storeDir: string, start: number, end: number, back: number): Promise<number> {
  const db = new Level<string, string>(storeDir);
  await db.open();
  try {
    const pad = (t: number) => String(t).padStart(13, '0');
    const rows = await db.iterator({ gte: `r!a!${pad(start)}`, lt: `r!a!${pad(end)}` }).all();
    let written = 0;
    for (let k = 1; k <= back; k++) {
      const ops: { type: 'put'; key: string; value: string }[] = [];
      for (const [key, value] of rows) {
        const slot = Number(key.slice(4, 17));
        const j = JSON.parse(value) as { di: string[]; ev: (string | number)[] };
        j.di = j.di.map((id) => shiftId(id, k));
        for (let i = 0; i < j.ev.length; i += 4) j.ev[i] = (j.ev[i] as number) - k * DAY;
        ops.push({ type: 'put', key: `r!a!${pad(slot - k * DAY)}!bench${k}.${ops.length}`, value: JSON.stringify(j) });
      }
      await db.batch(ops);
      written += ops.length;
    }
    return written;
  } finally {
    await db.close();
  }
}

/** The day's entries replayed on the `back` days before it and itself, oldest first (for the Postfix log). */
export function* replayedEntries(entries: LogEntry[], back: number): Generator<LogEntry> {
  for (let k = back; k >= 0; k--) {
    for (const e of entries) yield { ...e, id: shiftId(e.id, k), time: e.time - k * DAY };
  }
}

export interface ChildFigures {
  openMs: number;
  reportMs: number;
  reportCpuMs: number;
  /** From spawn to the report printed: node start, imports, engine open, the report. */
  wallMs: number;
  days: number;
  totals: Record<string, number>;
  perDay: [string, number, number, number, number][];
}

/** One fresh process: `report FROM..TO` as its engine's first report. */
export function reportInFreshProcess(storeDir: string, span: string, now: number): Promise<ChildFigures> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, storeDir, span, String(now)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`range child exited ${code}: ${Buffer.concat(err).toString().slice(0, 800)}`));
      const f = JSON.parse(Buffer.concat(out).toString()) as Omit<ChildFigures, 'wallMs'>;
      resolve({ ...f, wallMs });
    });
  });
}
