/**
 * The other side of the report benchmark: the same mail log written as a
 * Postfix syslog log (RFC 3339 timestamps, as rsyslog writes them), and
 * Debian's `pflogsumm -d today` run on it and its grand totals parsed.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { LogEntry } from '../src/engine/index.js';

function stamp(t: number, tz: string): string {
  return format(new TZDate(t, tz), "yyyy-MM-dd'T'HH:mm:ss.SSSxxx");
}

function seconds(ms: number | undefined): string {
  const s = Math.max(0, (ms ?? 0) / 1000);
  return s < 10 ? s.toFixed(2) : s.toFixed(0);
}

/** `4.7.1` from `451 4.7.1 …`, else the class default. */
function dsn(e: LogEntry): string {
  const m = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/.exec(e.response ?? '');
  if (m) return m[1];
  return e.status === 'sent' ? '2.0.0' : e.status === 'deferred' ? '4.4.1' : '5.0.0';
}

/**
 * Write the entries (time-ordered) as Postfix would log the same events:
 * pickup + cleanup + qmgr `from=, size=, nrcpt=` on reception, one smtp line
 * per recipient outcome, qmgr `removed` once every recipient is final.
 */
export async function writePostfixLog(path: string, entries: Iterable<LogEntry>, tz: string): Promise<number> {
  const out = createWriteStream(path);
  const pending = new Map<string, number>();
  let lines = 0;
  let buf: string[] = [];
  const emit = async (line: string) => {
    buf.push(line);
    lines++;
    if (buf.length >= 5000) {
      const chunk = buf.join('\n') + '\n';
      buf = [];
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  };
  for (const e of entries) {
    const ts = `${stamp(e.time, tz)} mail`;
    const qid = e.id.toUpperCase();
    if (e.status === 'received') {
      pending.set(e.id, e.to.length);
      await emit(`${ts} postfix/pickup[2101]: ${qid}: uid=1000 from=<${e.from}>`);
      await emit(`${ts} postfix/cleanup[2102]: ${qid}: message-id=<${e.messageId ?? `${e.id}@ops.bench.test`}>`);
      await emit(`${ts} postfix/qmgr[2103]: ${qid}: from=<${e.from}>, size=${e.size}, nrcpt=${e.to.length} (queue active)`);
      continue;
    }
    if (e.status === 'deleted') {
      pending.delete(e.id);
      await emit(`${ts} postfix/postsuper[2105]: ${qid}: removed`);
      continue;
    }
    const host = (e.host ?? 'none').replace(/:(\d+)$/, '[127.0.0.1]:$1');
    const reply = (e.response ?? '').replace(/[()]/g, '');
    const status = e.status === 'expired' ? 'bounced' : e.status;
    await emit(`${ts} postfix/smtp[2104]: ${qid}: to=<${e.to[0]}>, relay=${host}, delay=${seconds(e.delay)}, delays=0/0/0/0, dsn=${dsn(e)}, status=${status} (${reply})`);
    if (e.status !== 'deferred') {
      const left = (pending.get(e.id) ?? 1) - 1;
      if (left > 0) pending.set(e.id, left);
      else {
        pending.delete(e.id);
        await emit(`${ts} postfix/qmgr[2103]: ${qid}: removed`);
      }
    }
  }
  if (buf.length > 0) out.write(buf.join('\n') + '\n');
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return lines;
}

/** The grand totals pflogsumm prints (bytes in its own units: exact below 512 KiB, else whole KiB or MiB). */
export interface PflogsummTotals {
  /** As printed, with pflogsumm's unit (`4687k`). */
  receivedText: string;
  deliveredText: string;
  deferredText: string;
  deferralsText: string;
  bouncedText: string;
  received: number;
  delivered: number;
  deferred: number;
  deferrals: number;
  bounced: number;
  bytesReceived: { value: number; unit: '' | 'k' | 'm' };
  bytesDelivered: { value: number; unit: '' | 'k' | 'm' };
}

function grab(text: string, label: string): { value: number; unit: '' | 'k' | 'm' } {
  const m = new RegExp(`^\\s*(\\d+)([km]?)\\s+${label}`, 'm').exec(text);
  if (!m) throw new Error(`pflogsumm output has no "${label}" line`);
  return { value: Number(m[1]), unit: m[2] as '' | 'k' | 'm' };
}

export function parsePflogsumm(text: string): PflogsummTotals {
  const dfr = /^\s*\d+[km]?\s+deferred\s+\((\d+)([km]?)\s+deferrals\)/m.exec(text);
  const t = (label: string) => {
    const g = grab(text, label);
    return `${g.value}${g.unit}`;
  };
  return {
    receivedText: t('received'),
    deliveredText: t('delivered'),
    deferredText: t('deferred'),
    deferralsText: dfr ? `${dfr[1]}${dfr[2]}` : '0',
    bouncedText: t('bounced'),
    received: grab(text, 'received').value,
    delivered: grab(text, 'delivered').value,
    deferred: grab(text, 'deferred').value,
    deferrals: dfr ? Number(dfr[1]) : 0,
    bounced: grab(text, 'bounced').value,
    bytesReceived: grab(text, 'bytes received'),
    bytesDelivered: grab(text, 'bytes delivered'),
  };
}

/** A byte count as pflogsumm prints it (its adj_int_units: > 512 KiB in k, > 512 MiB in m, truncated). */
export function pflogsummUnits(bytes: number): { value: number; unit: '' | 'k' | 'm' } {
  if (bytes > 536_870_912) return { value: Math.trunc(bytes / 1_048_576), unit: 'm' };
  if (bytes > 524_288) return { value: Math.trunc(bytes / 1024), unit: 'k' };
  return { value: bytes, unit: '' };
}

/** Run `pflogsumm -d today <log>` (or over the whole log when `whole`) with the zone as TZ; resolves with its output and wall time. */
export function runPflogsumm(logPath: string, tz: string, whole = false): Promise<{ ms: number; output: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('pflogsumm', whole ? [logPath] : ['-d', 'today', logPath], { env: { ...process.env, TZ: tz }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const errs: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => errs.push(c));
    child.on('error', (e) => reject(new Error(`cannot run pflogsumm (apt-get install pflogsumm): ${e.message}`)));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`pflogsumm exited ${code}: ${Buffer.concat(errs).toString().slice(0, 500)}`));
      resolve({ ms, output: Buffer.concat(chunks).toString() });
    });
  });
}
