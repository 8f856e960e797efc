/**
 * Autocomplete answers for `/smtp` options: setting names, `key=` while typing
 * assignments, queue ids from the live queue, report days. Only members with
 * a role see queue ids. (Access subjects use Discord's own member and role
 * picker instead.)
 */
import { ALERT_CODES, SETTING_KEYS, type Engine, type Role } from '../../engine/index.js';
import type { Completion } from '../../commands/types.js';
import { clip } from './limits.js';

/** Discord shows at most 25 choices; names and values are at most 100 characters. */
const MAX = 25;

export interface Choice {
  name: string;
  value: string;
}

const choice = (name: string, value = name): Choice => ({ name: clip(name, 100), value: value.slice(0, 100) });

function settings(typed: string): Choice[] {
  const t = typed.trim().toLowerCase();
  return SETTING_KEYS.filter((k) => k.startsWith(t) || (t.length > 1 && k.includes(t))).map((k) => choice(k));
}

/** Complete the last word of `a=1 b` to `a=1 b=`, or keep the typed text when it ends in a value. */
function assignments(typed: string): Choice[] {
  const cut = typed.lastIndexOf(' ') + 1;
  const head = typed.slice(0, cut);
  const last = typed.slice(cut);
  if (last.includes('=')) return typed.trim() ? [choice(typed)] : [];
  const out = SETTING_KEYS.filter((k) => k.startsWith(last.toLowerCase())).map((k) => choice(`${head}${k}=`));
  return typed.trim() && !out.some((c) => c.value === typed) ? [choice(typed), ...out] : out;
}

async function queueIds(engine: Engine, typed: string): Promise<Choice[]> {
  const t = typed.trim().toLowerCase();
  const page = await engine.queueList({ limit: 100 });
  return page.items
    .filter((m) => m.id.toLowerCase().startsWith(t))
    .map((m) => choice(`${m.id} · ${m.state} · ${m.to[0] ?? ''}${m.to.length > 1 ? ` +${m.to.length - 1}` : ''}`, m.id));
}

/** Recipient domains in the queue, most recipients first (a bounded summary: autocomplete must answer within 3 s). */
async function queueDomains(engine: Engine, typed: string): Promise<Choice[]> {
  const t = typed.trim().toLowerCase().replace(/^@/, '');
  const s = await engine.queueSummary({ limit: 5000 });
  return s.domains.filter((d) => d.domain.includes(t)).map((d) => choice(`${d.domain} · ${d.recipients} recipient${d.recipients === 1 ? '' : 's'}`, d.domain));
}

function days(typed: string): Choice[] {
  const t = typed.trim().toLowerCase();
  const out = ['today', 'yesterday'].filter((d) => d.startsWith(t)).map((d) => choice(d));
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) out.unshift(choice(t));
  return out;
}

/** Alert codes, and the relays and domains of the groups now open (what `alerts mute` takes). */
async function alertMatches(engine: Engine, typed: string): Promise<Choice[]> {
  const t = typed.trim().toLowerCase();
  const places = (await engine.alertGroups()).map((g) => g.scope.value).filter((v) => v !== '');
  return [...new Set([...places, ...ALERT_CODES])].filter((v) => v.toLowerCase().includes(t)).map((v) => choice(v));
}

/** Choices for `typed` in an option completed as `kind`; `role` is the asker's (null = no access). */
export async function complete(engine: Engine, kind: Completion | undefined, typed: string, role: Role | null): Promise<Choice[]> {
  let out: Choice[] = [];
  if (kind === 'setting') out = settings(typed);
  else if (kind === 'setting-assignment') out = assignments(typed);
  else if (kind === 'queue-id') out = role ? await queueIds(engine, typed) : [];
  else if (kind === 'domain') out = role ? await queueDomains(engine, typed) : [];
  else if (kind === 'day') out = days(typed);
  else if (kind === 'alert-code') out = role ? await alertMatches(engine, typed) : [];
  return out.slice(0, MAX);
}
