import type { CheckStatus, DoctorCheck } from '../types.js';

/** Builds one check result; `hint` is what to do about it. */
export function check(id: string, title: string, status: CheckStatus, detail: string, hint?: string): DoctorCheck {
  return hint ? { id, title, status, detail, hint } : { id, title, status, detail };
}

/** Runs a check body so that nothing it throws escapes: a crash becomes a `fail` naming the check. */
export async function guarded(id: string, title: string, body: () => Promise<DoctorCheck | DoctorCheck[]>): Promise<DoctorCheck[]> {
  try {
    const r = await body();
    return Array.isArray(r) ? r : [r];
  } catch (err) {
    return [check(id, title, 'fail', `the check itself failed: ${(err as Error)?.message ?? String(err)}`, 'Report this as a bug of smtp-ops.')];
  }
}

/** A DNS error's code (ENOTFOUND, ENODATA, ESERVFAIL, ...). */
export function dnsCode(err: unknown): string {
  return (err as { code?: string })?.code ?? 'EUNKNOWN';
}

/** The name has no such record (as opposed to DNS not answering). */
export function isNoRecord(err: unknown): boolean {
  return ['ENODATA', 'ENOTFOUND', 'NODATA', 'NOTFOUND'].includes(dnsCode(err));
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
