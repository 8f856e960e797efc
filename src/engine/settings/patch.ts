/** Validating a settings update: every field parsed, then the rules across fields. Pure: the engine persists what `applyPatch` returns. */
import type { Issue } from '../errors.js';
import { ValidationError } from '../errors.js';
import { closest } from '../suggest.js';
import type { SettingsPatch } from '../types.js';
import type { Parser } from './parsers.js';
import { SETTING_KEYS, isSecretKey, isSettingKey, settingOf, type SecretKey, type SettingKey, type Settings } from './table.js';

/** The result of applying a patch: new settings, new secrets, and what changed. */
export interface Applied {
  settings: Settings;
  secrets: Partial<Record<SecretKey, string>>;
  changed: SettingKey[];
  warnings: string[];
}

/**
 * Validate a whole patch against the current settings. Throws one
 * ValidationError listing every bad field; nothing is applied then.
 */
export function applyPatch(current: Settings, patch: SettingsPatch, hasSecret: (k: SecretKey) => boolean): Applied {
  const issues: Issue[] = [];
  const next: Settings = { ...current };
  const secrets: Partial<Record<SecretKey, string>> = {};
  const changed: SettingKey[] = [];
  const keys = Object.keys(patch);
  if (keys.length === 0) throw ValidationError.one('settings', 'required', 'give at least one setting as key=value, e.g. relay-host=smtp.example.com');
  for (const key of keys) {
    const field = isSettingKey(key) ? settingOf(key) : undefined;
    if (!field) {
      const near = closest(key, SETTING_KEYS);
      issues.push({ field: key, rule: 'known-setting', message: `${key} is not a setting${near ? ` (did you mean ${near}?)` : ''}; settings are: ${SETTING_KEYS.join(', ')}` });
      continue;
    }
    const raw = patch[key as SettingKey];
    if (typeof raw !== 'string') {
      issues.push({ field: key, rule: 'string', message: `${key} must be given as text` });
      continue;
    }
    const value = (field.parse as Parser<unknown>)(raw, key, (rule, message) => issues.push({ field: key, rule, message }));
    if (value === undefined) continue;
    if (field.secret) {
      secrets[key as SecretKey] = value as string;
      changed.push(field.key);
    } else if ((next as unknown as Record<string, unknown>)[field.prop] !== value) {
      (next as unknown as Record<string, unknown>)[field.prop] = value;
      changed.push(field.key);
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

  // Rules across fields, checked on the result so multi-field updates can fix them together.
  if (next.relayHost === '' && next.relayPort !== null) {
    issues.push({ field: 'relay-port', rule: 'direct-needs-blank', message: 'relay-port must be blank when relay-host is blank (direct sending); clear both with: config set relay-host= relay-port=' });
  }
  if (next.sasl && next.relayHost === '') {
    issues.push({ field: 'sasl', rule: 'needs-relay', message: 'sasl can only be on when a relay-host is set (SASL authenticates to a relay)' });
  }
  if (next.sasl && next.saslUsername === '') {
    issues.push({ field: 'sasl-username', rule: 'required', message: 'sasl-username is required when sasl is on' });
  }
  if (next.retryFirst > next.retryMax) {
    issues.push({ field: 'retry-first', rule: 'le-retry-max', message: `retry-first (${next.retryFirst}s) must not exceed retry-max (${next.retryMax}s)` });
  }
  if (next.intakeAuth && next.intakeUsername === '') {
    issues.push({ field: 'intake-username', rule: 'required', message: 'intake-username is required when intake-auth is on' });
  }
  if (next.intakeAuth && !(secrets['intake-password'] || hasSecret('intake-password'))) {
    issues.push({ field: 'intake-password', rule: 'required', message: 'intake-password must be set before intake-auth is turned on' });
  }
  if ((next.intakeTlsCert === '') !== (next.intakeTlsKey === '')) {
    issues.push({ field: next.intakeTlsCert === '' ? 'intake-tls-cert' : 'intake-tls-key', rule: 'pair', message: 'intake-tls-cert and intake-tls-key must be set together' });
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const warnings: string[] = [];
  if (changed.includes('tls-verify') && !next.tlsVerify) warnings.push('tls-verify is off: certificates are not verified, so a man in the middle can read the mail and the SASL password');
  if (changed.includes('use-tls') && !next.useTls && next.sasl) warnings.push('use-tls is off while sasl is on: the SASL password crosses the network in clear text');
  if (next.sasl && !(secrets['sasl-password'] || hasSecret('sasl-password'))) warnings.push('sasl is on but no sasl-password is set yet: set it with "config set sasl-password"');
  warnings.push(...dkimWarnings(next, changed, Boolean(secrets['dkim-private-key']) || hasSecret('dkim-private-key')));
  return { settings: next, secrets, changed, warnings };
}

/** What a DKIM change leaves unsigned: said when the change is made, not found out from a receiver. */
function dkimWarnings(s: Settings, changed: SettingKey[], hasKey: boolean): string[] {
  if (!changed.some((k) => k.startsWith('dkim-') || k === 'from-address')) return [];
  const out: string[] = [];
  if (hasKey && (s.dkimDomain === '' || s.dkimSelector === '')) {
    out.push(`dkim-private-key is set but ${s.dkimDomain === '' ? 'dkim-domain' : 'dkim-selector'} is blank: mail is not DKIM-signed until dkim-domain and dkim-selector are both set`);
  }
  if (!hasKey && s.dkimDomain !== '' && changed.some((k) => k === 'dkim-domain' || k === 'dkim-selector')) {
    out.push('dkim-domain is set but no dkim-private-key: mail is not DKIM-signed until a key is set (dkim keygen makes one)');
  }
  const at = s.fromAddress.lastIndexOf('@');
  const fromDomain = s.fromAddress.slice(at + 1).toLowerCase();
  if (s.dkimDomain !== '' && fromDomain !== s.dkimDomain && !fromDomain.endsWith(`.${s.dkimDomain}`)) {
    out.push(`mail from ${s.fromAddress} is not DKIM-signed: its domain is not ${s.dkimDomain} or a subdomain of it`);
  }
  return out;
}

/** An update as `updateSettings` applies it: `applyPatch`'s result, plus the secrets it clears. */
export interface Update extends Applied {
  /** Secrets given empty: they are removed. */
  cleared: SecretKey[];
}

/**
 * Validate an update typed by a user: an empty secret clears it, everything
 * else goes through {@link applyPatch}. `changed` lists the cleared secrets too.
 */
export function applyUpdate(current: Settings, patch: SettingsPatch, hasSecret: (k: SecretKey) => boolean): Update {
  if (patch === null || typeof patch !== 'object') throw ValidationError.one('settings', 'required', 'give settings as key=value');
  const cleared = Object.entries(patch).filter(([k, v]) => isSecretKey(k) && v === '').map(([k]) => k as SecretKey);
  const rest = Object.fromEntries(Object.entries(patch).filter(([k]) => !cleared.includes(k as SecretKey))) as SettingsPatch;
  const applied = Object.keys(rest).length > 0 ? applyPatch(current, rest, (k) => hasSecret(k) && !cleared.includes(k)) : { settings: current, secrets: {}, changed: [], warnings: [] };
  if (cleared.includes('intake-password') && applied.settings.intakeAuth) {
    throw ValidationError.one('intake-password', 'required', 'intake-password cannot be cleared while intake-auth is on');
  }
  return { ...applied, changed: [...applied.changed, ...cleared], cleared };
}
