/**
 * Action tokens behind buttons. A token is an opaque random id; the store
 * keeps what pressing it means (the words to run) in memory. Confirm/cancel
 * tokens are bound to the requester and expire after five minutes; paging
 * tokens can be pressed by anyone allowed to run the words they carry.
 */
import { randomBytes } from 'node:crypto';
import type { Action } from './reply.js';

/** How long a confirmation stays answerable. */
export const CONFIRM_TTL_MS = 5 * 60_000;
/** Paging buttons live longer: scrolling a log is not a decision. */
export const PAGE_TTL_MS = 60 * 60_000;
/** Upper bound on live tokens, so a chatty channel cannot grow memory without end. */
const MAX_TOKENS = 10_000;

/** What a token means when pressed. */
export interface ActionEntry {
  kind: Action['kind'];
  /** The command line to run (already canonical words). */
  text: string;
  /** `platform:id` allowed to press it; absent = anyone (still access-checked). */
  requester?: string;
  expiresAt: number;
  /** The other button of a Yes/No pair: it dies with this one. */
  partner?: string;
}

export type TakeResult = { ok: true; entry: ActionEntry } | { ok: false; code: 'expired' | 'denied'; message: string };

/** In-memory token store. One per runner. */
export class ActionStore {
  readonly #entries = new Map<string, ActionEntry>();
  readonly #now: () => number;
  #lastPrune = -Infinity;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Paging button that runs `text` when pressed. */
  page(kind: 'page-next' | 'page-prev', text: string): Action {
    const id = this.#put({ kind, text, expiresAt: this.#now() + PAGE_TTL_MS });
    return { id, kind, label: kind === 'page-next' ? 'Next' : 'Prev', style: 'default' };
  }

  /** A Yes/No pair bound to `requester`; Yes runs `text` confirmed. */
  confirm(text: string, requester: string, yesLabel: string): { yes: Action; no: Action; expiresAt: number } {
    const expiresAt = this.#now() + CONFIRM_TTL_MS;
    const yes = this.#put({ kind: 'confirm', text, requester, expiresAt });
    const no = this.#put({ kind: 'cancel', text, requester, expiresAt, partner: yes });
    const y = this.#entries.get(yes);
    if (y) y.partner = no;
    return { yes: { id: yes, kind: 'confirm', label: yesLabel, style: 'danger' }, no: { id: no, kind: 'cancel', label: 'No', style: 'default' }, expiresAt };
  }

  /**
   * Resolve a pressed token for `presser`. A confirmation is used up (both
   * buttons) by its requester's press; a foreign press leaves it for the
   * requester. Paging tokens stay valid until they expire.
   */
  take(token: string, presser: string): TakeResult {
    this.#prune();
    const entry = this.#entries.get(token);
    if (entry && entry.expiresAt <= this.#now()) this.#entries.delete(token);
    if (!entry || entry.expiresAt <= this.#now()) return { ok: false, code: 'expired', message: 'This button has expired or was already used; run the command again.' };
    if (entry.requester && entry.requester !== presser) return { ok: false, code: 'denied', message: 'Only the person who asked can answer this confirmation.' };
    if (entry.requester) {
      this.#entries.delete(token);
      if (entry.partner) this.#entries.delete(entry.partner);
    }
    return { ok: true, entry };
  }

  /** Live tokens (for tests and diagnostics). */
  get size(): number {
    this.#prune(true);
    return this.#entries.size;
  }

  #put(entry: ActionEntry): string {
    this.#prune();
    if (this.#entries.size >= MAX_TOKENS) {
      // Map iterates in insertion order: drop the oldest.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const id = randomBytes(12).toString('base64url');
    this.#entries.set(id, entry);
    return id;
  }

  /** Drop expired tokens; a full sweep at most once a second (take() checks expiry itself). */
  #prune(force = false): void {
    const now = this.#now();
    if (!force && now - this.#lastPrune < 1000 && this.#entries.size < MAX_TOKENS) return;
    this.#lastPrune = now;
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
  }
}
