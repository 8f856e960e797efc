/**
 * Silences (`alerts mute <code|place> <duration>`): while one lasts, groups of that event code,
 * or of that relay or domain, are counted but not notified. Kept on disk until they expire.
 */
import type { Actor } from '../types.js';
import { actorKey } from '../types.js';
import { ValidationError } from '../errors.js';
import type { Clock } from '../facade.js';
import { isHostname } from '../settings/syntax.js';
import { K, prefixRange, type Store } from '../store.js';
import { ALERT_KINDS } from './kinds.js';
import type { AlertGroup, AlertSilence } from './types.js';

/** Longest silence: a week (a longer one is an unsubscribe). */
export const MAX_SILENCE_MS = 7 * 86_400_000;

/** `1h`, `30m`, `4h`, `2d`, `90s` (a number alone is minutes). */
export function parseDuration(raw: string): number {
  const m = /^(\d{1,6})\s*([smhd]?)$/i.exec(String(raw ?? '').trim());
  const unit = { '': 60_000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const ms = m ? Number(m[1]) * unit[m[2].toLowerCase() as keyof typeof unit] : NaN;
  if (!m || ms < 60_000 || ms > MAX_SILENCE_MS) {
    throw ValidationError.one('duration', 'duration', `duration must be from 1m to 7d, e.g. 30m, 1h, 4h, 2d (got ${JSON.stringify(String(raw ?? '').slice(0, 20))})`);
  }
  return ms;
}

/** A code alerts know, or a place: a domain, a host, or `host:port` of a relay. */
export function parseMatch(raw: string): { kind: 'code' | 'scope'; match: string } {
  const v = String(raw ?? '').trim().toLowerCase();
  if (ALERT_KINDS[v]) return { kind: 'code', match: v };
  const host = v.replace(/:\d{1,5}$/, '').replace(/^\[(.*)\]$/, '$1');
  if (v.length > 0 && v.length <= 260 && (isHostname(host) || /^[\d.:a-f]+$/.test(host))) return { kind: 'scope', match: v };
  throw ValidationError.one('match', 'code-or-place', `give an alert code (e.g. relay.deferred) or a domain or relay (e.g. example.com, smtp.example.com:587) (got ${JSON.stringify(String(raw ?? '').slice(0, 80))})`);
}

/** Whether a silence covers a group: same code, or same place (a relay also by its host name alone). */
export function covers(s: AlertSilence, g: Pick<AlertGroup, 'code' | 'scope'>): boolean {
  if (s.kind === 'code') return g.code === s.match;
  const v = g.scope.value.toLowerCase();
  return v !== '' && (v === s.match || v.replace(/:\d{1,5}$/, '') === s.match);
}

export class Silences {
  private readonly items = new Map<string, AlertSilence>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async load(): Promise<void> {
    const stale: string[] = [];
    for await (const [k, v] of this.store.db.iterator(prefixRange('mute!'))) {
      const s = JSON.parse(v) as AlertSilence;
      if (s.until <= this.clock.now()) stale.push(k);
      else this.items.set(k, s);
    }
    if (stale.length) await this.store.commit(stale.map((key) => ({ type: 'del', key })));
  }

  async mute(raw: string, durationMs: number, actor: Actor): Promise<AlertSilence> {
    const { kind, match } = parseMatch(raw);
    const now = this.clock.now();
    const s: AlertSilence = { match, kind, until: now + durationMs, createdBy: actorKey(actor), createdAt: now };
    const key = K.silence(kind, match);
    await this.store.commit([{ type: 'put', key, value: JSON.stringify(s) }], true);
    this.items.set(key, s);
    return s;
  }

  async unmute(raw: string): Promise<AlertSilence | null> {
    const { kind, match } = parseMatch(raw);
    const key = K.silence(kind, match);
    const had = this.items.get(key);
    if (!had) return null;
    await this.store.commit([{ type: 'del', key }], true);
    this.items.delete(key);
    return had;
  }

  /** Silences still in force. */
  list(): AlertSilence[] {
    const now = this.clock.now();
    return [...this.items.values()].filter((s) => s.until > now).sort((a, b) => a.until - b.until);
  }

  /** The silence in force for a group, if any. */
  covering(g: Pick<AlertGroup, 'code' | 'scope'>): AlertSilence | undefined {
    return this.list().find((s) => covers(s, g));
  }

  /** When the next silence ends (for the timer that sends what was held back). */
  nextEnd(): number | null {
    const l = this.list();
    return l.length ? l[0].until : null;
  }
}
