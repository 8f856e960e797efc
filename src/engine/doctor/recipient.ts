/** The doctor's test recipient (`doctor --to`), validated before anything runs. */
import { ValidationError } from '../errors.js';
import { isMailbox } from '../settings/syntax.js';

/** An address as given, a domain's postmaster, or postmaster@ the from-address domain. Throws a ValidationError naming `to`. */
export function doctorRecipient(to: string | undefined, fromAddress: string): string {
  const v = (to ?? '').trim();
  if (v === '') return `postmaster@${fromAddress.slice(fromAddress.lastIndexOf('@') + 1)}`;
  if (v.includes('@')) {
    if (!isMailbox(v)) throw ValidationError.one('to', 'email', `--to must be an email address or a domain (got ${JSON.stringify(v.slice(0, 80))})`);
    return v;
  }
  const domain = v.toLowerCase().replace(/\.$/, '');
  if (!isMailbox(`postmaster@${domain}`)) throw ValidationError.one('to', 'email', `--to must be an email address or a domain such as example.com (got ${JSON.stringify(v.slice(0, 80))})`);
  return `postmaster@${domain}`;
}
