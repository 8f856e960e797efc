/**
 * Drops malformed INTERACTION_CREATE packets before discord.js parses them.
 * discord.js assumes Discord's payloads are well formed: a packet without
 * `data` throws inside its gateway handler, which surfaces as an unhandled
 * rejection and, on Node's defaults, ends the process. The `raw` event runs
 * synchronously before that handler with the same packet object, so renaming
 * the event there makes discord.js skip it.
 */
import type { Client } from 'discord.js';

/** Event name discord.js has no handler for. */
const DROPPED = 'SMTP_OPS_DROPPED_INTERACTION';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why an interaction payload cannot be handled, or null when it is sound. */
export function interactionProblem(d: unknown): string | null {
  if (!isObject(d)) return 'payload is not an object';
  if (typeof d.id !== 'string' || typeof d.token !== 'string') return 'id or token missing';
  if (typeof d.type !== 'number') return 'type missing';
  const who = isObject(d.member) ? d.member.user : d.user;
  if (!isObject(who) || typeof who.id !== 'string') return 'no user';
  if (d.type === 1) return null; // ping
  if (!isObject(d.data)) return 'data missing';
  if (d.type === 3 && (typeof d.data.component_type !== 'number' || typeof d.data.custom_id !== 'string')) return 'component without component_type or custom_id';
  if (d.type === 5 && (typeof d.data.custom_id !== 'string' || !Array.isArray(d.data.components))) return 'modal submit without custom_id or components';
  if ((d.type === 2 || d.type === 4) && (typeof d.data.name !== 'string' || typeof d.data.type !== 'number')) return 'command without name or type';
  return null;
}

/** Install the guard; returns its removal. */
export function guardInteractions(client: Client, log: (message: string) => void): () => void {
  const onRaw = (packet: { t?: string | null; d?: unknown }) => {
    if (packet?.t !== 'INTERACTION_CREATE') return;
    const problem = interactionProblem(packet.d);
    if (!problem) return;
    packet.t = DROPPED;
    log(`dropped a malformed interaction (${problem})`);
  };
  client.on('raw', onRaw);
  return () => void client.off('raw', onRaw);
}
