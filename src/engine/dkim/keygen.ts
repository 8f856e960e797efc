/** What `dkim keygen` will do, validated before any key is made. */
import { ValidationError } from '../errors.js';
import { isFqdn } from '../settings/syntax.js';
import type { Settings } from '../types.js';
import { DKIM_BITS, DKIM_DEFAULT_BITS, isSelector } from './key.js';

export interface KeygenPlan {
  domain: string;
  /** dkim-domain is blank and will be set from the from-address. */
  setDomain: boolean;
  selector: string;
  bits: number;
}

/**
 * The default selector names the day (`smtp-ops-20261123`), so a rotation gets a new name and
 * the old record can stay published while mail signed with it is still on its way.
 */
export function defaultSelector(now: number, current: string): string {
  const base = `smtp-ops-${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}`;
  if (current !== base && !current.startsWith(`${base}-`)) return base;
  const n = current === base ? 2 : Number(current.slice(base.length + 1)) + 1;
  return `${base}-${Number.isFinite(n) ? n : 2}`;
}

export function planKeygen(s: Settings, opts: { selector?: string; bits?: number }, now: number): KeygenPlan {
  const bits = opts.bits ?? DKIM_DEFAULT_BITS;
  if (!DKIM_BITS.includes(bits)) throw ValidationError.one('bits', 'choice', `--bits must be one of ${DKIM_BITS.join(', ')} (got ${bits})`);
  const selector = opts.selector?.trim().toLowerCase() || defaultSelector(now, s.dkimSelector);
  if (!isSelector(selector)) throw ValidationError.one('selector', 'selector', `--selector must be one or more DNS labels (letters, digits, hyphens), e.g. smtp-ops-2026 (got ${JSON.stringify(opts.selector ?? '').slice(0, 70)})`);
  let domain = s.dkimDomain;
  const setDomain = domain === '';
  if (setDomain) {
    domain = s.fromAddress.slice(s.fromAddress.lastIndexOf('@') + 1).toLowerCase();
    if (!isFqdn(domain)) throw ValidationError.one('dkim-domain', 'required', `dkim-domain is blank and the from-address domain "${domain}" is not a domain name: set one first (config set dkim-domain=example.com)`);
  }
  return { domain, setDomain, selector, bits };
}
