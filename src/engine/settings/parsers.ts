/**
 * Parsers of setting values as users type them. Pure functions: each returns
 * the typed value, or reports an issue (naming the setting and the rule) and
 * returns undefined. Parsers that read files are in `pem-files.ts`.
 */
import { isIP } from 'node:net';
import { isSelector } from '../dkim/key.js';
import { isFqdn, isHostname, isMailbox, parseHostPort } from './syntax.js';

/** Report one problem with the value: a short rule name and a sentence naming the setting. */
export type IssueFn = (rule: string, message: string) => void;

/** Parse `raw` as the value of setting `key`; undefined after reporting an issue. */
export type Parser<T> = (raw: string, key: string, issue: IssueFn) => T | undefined;

const MAX_TEXT = 256;

/** A value quoted for an error message, cut short. */
export function show(raw: string): string {
  const s = raw.length > 60 ? raw.slice(0, 57) + '...' : raw;
  return JSON.stringify(s);
}

export const bool: Parser<boolean> = (raw, key, issue) => {
  const v = raw.trim().toLowerCase();
  if (['on', 'true', 'yes', '1', 'enabled'].includes(v)) return true;
  if (['off', 'false', 'no', '0', 'disabled'].includes(v)) return false;
  issue('boolean', `${key} must be on or off (got ${show(raw)})`);
  return undefined;
};

/** One of a few words, e.g. `auto`, `on` or `off`. */
export function choice<const C extends string>(choices: readonly C[]): Parser<C> {
  const listed = `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
  return (raw, key, issue) => {
    const v = raw.trim().toLowerCase();
    if ((choices as readonly string[]).includes(v)) return v as C;
    issue('choice', `${key} must be ${listed} (got ${show(raw)})`);
    return undefined;
  };
}

export function int(min: number, max: number, unit = ''): Parser<number> {
  return (raw, key, issue) => {
    const v = raw.trim();
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      issue('range', `${key} must be a whole number from ${min} to ${max}${unit} (got ${show(raw)})`);
      return undefined;
    }
    return Number(v);
  };
}

/** Seconds, or a number with s/m/h/d. */
export function duration(min: number, max: number): Parser<number> {
  return (raw, key, issue) => {
    const m = /^(\d+)\s*([smhd]?)$/i.exec(raw.trim());
    const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const;
    const secs = m ? Number(m[1]) * mult[m[2].toLowerCase() as keyof typeof mult] : NaN;
    if (!m || secs < min || secs > max) {
      issue('duration', `${key} must be a duration from ${min}s to ${max}s, in seconds or with s/m/h/d (e.g. 300, 5m, 5d) (got ${show(raw)})`);
      return undefined;
    }
    return secs;
  };
}

/** Bytes, or a number with k/m; 0 means no limit. */
export function bytes(max: number): Parser<number> {
  return (raw, key, issue) => {
    const m = /^(\d+)\s*(k|kb|m|mb)?$/i.exec(raw.trim());
    const mult: Record<string, number> = { '': 1, k: 1024, kb: 1024, m: 1048576, mb: 1048576 };
    const n = m ? Number(m[1]) * mult[(m[2] ?? '').toLowerCase()] : NaN;
    if (!m || n > max) {
      issue('size', `${key} must be a size in bytes (or with k/m) up to ${max} bytes; 0 means no limit (got ${show(raw)})`);
      return undefined;
    }
    return n;
  };
}

/** One line of text without control characters (it may end up in mail headers). */
export function text(max = MAX_TEXT): Parser<string> {
  return (raw, key, issue) => {
    if (/[\r\n]/.test(raw)) {
      issue('no-crlf', `${key} must not contain line breaks (CR/LF): they would inject mail headers`);
      return undefined;
    }
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(raw)) {
      issue('no-control', `${key} must not contain control characters`);
      return undefined;
    }
    if (raw.length > max) {
      issue('length', `${key} must be at most ${max} characters (got ${raw.length})`);
      return undefined;
    }
    return raw.trim();
  };
}

export const fqdn: Parser<string> = (raw, key, issue) => {
  const v = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!isFqdn(v)) {
    issue('fqdn', `${key} must be a fully qualified domain name such as mail.example.com (letters, digits and hyphens, at least two labels) (got ${show(raw)})`);
    return undefined;
  }
  return v;
};

export const fqdnOrBlank: Parser<string> = (raw, key, issue) => (raw.trim() === '' ? '' : fqdn(raw, key, issue));

/** A DKIM selector (RFC 6376 3.1: one or more DNS labels), or blank. */
export const selector: Parser<string> = (raw, key, issue) => {
  const v = raw.trim().toLowerCase();
  if (v === '' || isSelector(v)) return v;
  issue('selector', `${key} must be one or more DNS labels (letters, digits, hyphens; e.g. smtp-ops-2026), or blank (got ${show(raw)})`);
  return undefined;
};

/** A comma-separated list of DNS zones (DNSBLs), or blank for none. */
export const zones: Parser<string> = (raw, key, issue) => {
  const items = [...new Set(raw.split(/[,\s]+/).map((z) => z.trim().toLowerCase().replace(/\.$/, '')).filter(Boolean))];
  const bad = items.filter((z) => !(isHostname(z) && z.includes('.')));
  if (bad.length > 0 || items.length > 20) {
    issue('zones', `${key} must be a comma-separated list of at most 20 DNS zones such as zen.spamhaus.org, or blank for none${bad.length ? ` (bad: ${bad.map(show).join(', ')})` : ''}`);
    return undefined;
  }
  return items.join(',');
};

export const hostOrBlank: Parser<string> = (raw, key, issue) => {
  const v = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (v === '') return '';
  if (isIP(v) || isHostname(v)) return v;
  issue('host', `${key} must be a host name or IP address, or blank to send direct (got ${show(raw)})`);
  return undefined;
};

export const portOrBlank: Parser<number | null> = (raw, key, issue) => {
  const v = raw.trim();
  if (v === '') return null;
  return int(1, 65535)(v, key, issue);
};

export const address: Parser<string> = (raw, key, issue) => {
  const v = raw.trim();
  if (/[\r\n]/.test(v)) {
    issue('no-crlf', `${key} must not contain line breaks (CR/LF)`);
    return undefined;
  }
  if (!isMailbox(v)) {
    issue('email', `${key} must be an email address like alerts@example.com (RFC 5321: local-part@domain, at most 254 characters) (got ${show(raw)})`);
    return undefined;
  }
  return v;
};

export const timezone: Parser<string> = (raw, key, issue) => {
  const v = raw.trim();
  if (v === '') return '';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
    return v;
  } catch {
    issue('timezone', `${key} must be an IANA time zone such as Europe/Berlin or UTC, or blank for the system zone (got ${show(raw)})`);
    return undefined;
  }
};

export const listen: Parser<string> = (raw, key, issue) => {
  const parsed = parseHostPort(raw.trim());
  if (!parsed) {
    issue('host-port', `${key} must be host:port, e.g. 127.0.0.1:2525 or [::1]:2525 (got ${show(raw)})`);
    return undefined;
  }
  return raw.trim();
};

/** host:port, or blank for off. */
export const listenOrBlank: Parser<string> = (raw, key, issue) => (raw.trim() === '' ? '' : listen(raw, key, issue));

export const senders: Parser<string> = (raw, key, issue) => {
  const items = raw.split(/[,\s]+/).filter(Boolean);
  const bad = items.filter((i) => !(i.startsWith('@') ? isHostname(i.slice(1)) : isMailbox(i)));
  if (bad.length > 0) {
    issue('senders', `${key} must be a comma-separated list of addresses or @domains (bad: ${bad.map(show).join(', ')})`);
    return undefined;
  }
  return items.join(',');
};

export const secret: Parser<string> = (raw, key, issue) => {
  // eslint-disable-next-line no-control-regex
  if (/[\x00\r\n]/.test(raw)) {
    issue('no-crlf', `${key} must not contain line breaks or NUL`);
    return undefined;
  }
  if (raw.length > MAX_TEXT) {
    issue('length', `${key} must be at most ${MAX_TEXT} characters`);
    return undefined;
  }
  return raw;
};
