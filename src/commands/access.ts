/**
 * Access roles: viewer < operator < admin. Terminal actors own the store and
 * are admins; chat users get a role from a grant stored in the engine, from a
 * Discord role they hold, or from the bootstrap list `SMTP_OPS_ADMINS`.
 */
import { ROLES, actorKey } from '../engine/index.js';
import type { AccessGrant, Actor, Role } from '../engine/index.js';

/** Platforms whose users own the store (local terminal sessions). */
const TERMINAL_PLATFORMS: readonly Actor['platform'][] = ['cli', 'repl', 'system'];

/** A subject as grants name it: `slack:U123`, `discord:456`, `discord-role:789`. */
export const SUBJECT_PATTERN = /^(slack|discord|discord-role):[A-Za-z0-9._-]{1,64}$/;

/** `true` when `have` is at least `need`. */
export function roleAtLeast(have: Role | null | undefined, need: Role): boolean {
  if (!have) return false;
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The higher of two roles. */
export function maxRole(a: Role | null, b: Role | null): Role | null {
  if (!a) return b;
  if (!b) return a;
  return ROLES.indexOf(a) >= ROLES.indexOf(b) ? a : b;
}

/**
 * Parse `SMTP_OPS_ADMINS` (`slack:U123,discord:456,discord-role:789`).
 * Entries that are not subjects are reported, not silently dropped.
 */
export function parseAdmins(value: string | undefined): { subjects: string[]; invalid: string[] } {
  const subjects: string[] = [];
  const invalid: string[] = [];
  for (const raw of (value ?? '').split(',')) {
    const s = raw.trim();
    if (!s) continue;
    (SUBJECT_PATTERN.test(s) ? subjects : invalid).push(s);
  }
  return { subjects, invalid };
}

/** The subjects an actor answers to: its own key and, on Discord, each role it holds. */
export function subjectsOf(actor: Actor): string[] {
  const out = [actorKey(actor)];
  if (actor.platform === 'discord') for (const r of actor.roles ?? []) out.push(`discord-role:${r}`);
  return out;
}

/** Resolve an actor's role from bootstrap admins and stored grants; null = no access. */
export function resolveRole(actor: Actor, admins: readonly string[], grants: readonly AccessGrant[]): Role | null {
  if (TERMINAL_PLATFORMS.includes(actor.platform)) return 'admin';
  const mine = subjectsOf(actor);
  if (mine.some((s) => admins.includes(s))) return 'admin';
  let role: Role | null = null;
  for (const g of grants) if (mine.includes(g.subject)) role = maxRole(role, g.role);
  return role;
}
