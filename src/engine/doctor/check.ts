import type { CheckStatus, DoctorCheck, DoctorSection } from '../types.js';

/** Extras of a check: what to do, and the commands that do it. */
export interface CheckExtras {
  hint?: string;
  fix?: string[];
}

/** Builds one check result. Commands in `fix` are quoted in the hint by whoever writes it. */
export function check(section: DoctorSection, id: string, title: string, status: CheckStatus, detail: string, extras: CheckExtras | string = {}): DoctorCheck {
  const x = typeof extras === 'string' ? { hint: extras } : extras;
  const out: DoctorCheck = { id, title, status, detail, section };
  if (x.hint) out.hint = x.hint;
  if (x.fix?.length) out.fix = x.fix;
  return out;
}

/** A hint that names its commands: `text` with each command in backticks, and the commands as `fix`. */
export function fixes(text: string, ...commands: string[]): CheckExtras {
  return { hint: text, fix: commands };
}

/** A DNS error's code (ENOTFOUND, ENODATA, ESERVFAIL, ...). */
export function dnsCode(err: unknown): string {
  return (err as { code?: string })?.code ?? 'EUNKNOWN';
}

/** The name has no such record (as opposed to DNS not answering). */
export function isNoRecord(err: unknown): boolean {
  return ['ENODATA', 'ENOTFOUND', 'NODATA', 'NOTFOUND'].includes(dnsCode(err));
}

/** A DNS failure in words. */
export function dnsWords(err: unknown): string {
  const code = dnsCode(err);
  const words: Record<string, string> = {
    ENOTFOUND: 'no such name (NXDOMAIN)',
    ENODATA: 'no record of that type',
    ETIMEOUT: 'the DNS server did not answer in time',
    ESERVFAIL: 'the DNS server failed (SERVFAIL)',
    EREFUSED: 'the DNS server refused the query',
    ECONNREFUSED: 'the DNS server is not reachable',
    ECANCELLED: 'the lookup was cancelled',
  };
  return words[code] ?? `DNS error ${code}`;
}

/** RFC 1123 host name with at least two labels and an alphabetic top-level label. */
export function isFqdn(name: string): boolean {
  const n = name.replace(/\.$/, '');
  if (n.length === 0 || n.length > 253) return false;
  const labels = n.split('.');
  if (labels.length < 2) return false;
  if (!/^[a-z][a-z0-9-]*$/i.test(labels[labels.length - 1])) return false;
  return labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(l));
}

export const sameName = (a: string, b: string) => a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();

/** "3.2 s", "450 ms". */
export function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}

/** An error message without OpenSSL's internals: "…:SSL routines:ssl3_get_record:wrong version number:…" -> "wrong version number". */
export function cleanError(text: string): string {
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(text);
  if (!ssl) return text.replace(/\s+/g, ' ').trim();
  const code = /^([A-Z][A-Z0-9_]+):/.exec(text);
  return code ? `${code[1]}: ${ssl[1]}` : ssl[1];
}
