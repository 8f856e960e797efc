/**
 * Terminal side of `report --png FILE`: the reply carries the chart with the
 * path asked for (`ChartReply.savePng`); the terminal that printed the command
 * writes the PNG there (relative to its own working directory, so it works the
 * same when a `serve` on the control socket built the report) and says where.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ChartReply, GroupReply, MessageReply, Reply } from '../reply.js';

function charts(r: Reply, out: ChartReply[] = []): ChartReply[] {
  if (r.kind === 'chart' && r.savePng) out.push(r);
  if (r.kind === 'group') for (const p of r.parts) charts(p, out);
  return out;
}

/** Write every chart the reply asks to be saved; one message per file (an error message, `ok: false`, when it could not be written). */
export async function writeChartFiles(reply: Reply, cwd = process.cwd()): Promise<MessageReply[]> {
  const wanted = charts(reply);
  if (wanted.length === 0) return [];
  const out: MessageReply[] = [];
  let chartPng: typeof import('./chart-image.js').chartPng;
  try {
    // Loaded on demand: the renderer takes a moment to import, which other commands should not pay.
    ({ chartPng } = await import('./chart-image.js'));
  } catch (e) {
    return wanted.map((c) => ({ kind: 'message', tone: 'error', ok: false, text: `The chart was not written to ${resolve(cwd, c.savePng!)}: the chart renderer could not load (${(e as Error).message})` }));
  }
  for (const c of wanted) {
    const path = resolve(cwd, c.savePng!);
    try {
      const png = chartPng(c);
      await writeFile(path, png);
      out.push({ kind: 'message', tone: 'success', text: `Chart written to ${path} (${png.readUInt32BE(16)}×${png.readUInt32BE(20)} PNG, 2x).` });
    } catch (e) {
      out.push({ kind: 'message', tone: 'error', ok: false, text: `The chart was not written to ${path}: ${(e as Error).message}` });
    }
  }
  return out;
}

/** The reply with those messages added at its end. */
export function withNotes(reply: Reply, notes: MessageReply[]): Reply {
  if (notes.length === 0) return reply;
  if (reply.kind === 'group') return { ...reply, parts: [...reply.parts, ...notes] } satisfies GroupReply;
  return { kind: 'group', title: '', parts: [reply, ...notes], data: reply.data };
}
