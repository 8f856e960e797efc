/** Settings that name PEM files: the parser checks the file now, and the CA is read for delivery. These read the file system. */
import { accessSync, readFileSync, constants as fsc } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parsePrivateKey } from '../dkim/key.js';
import { ValidationError } from '../errors.js';
import { show, type Parser } from './parsers.js';

export const CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
export const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** A readable file holding a `marker` block, or blank. */
export function pemFile(marker: RegExp): Parser<string> {
  return (raw, key, issue) => {
    const v = raw.trim();
    if (v === '') return '';
    try {
      accessSync(v, fsc.R_OK);
      if (!marker.test(readFileSync(v, 'utf8'))) {
        issue('pem', `${key} must be a PEM file (${v} has no ${marker.source.replace(/\\/g, '')} block)`);
        return undefined;
      }
    } catch {
      issue('file', `${key} must be a readable file (cannot read ${show(v)})`);
      return undefined;
    }
    return v;
  };
}

/** A private key: PEM text (line breaks may be spaces) or the absolute path of a PEM file; stored as PEM, sealed. */
export const privateKey: Parser<string> = (raw, key, issue) => {
  if (raw.length > 16384) {
    issue('length', `${key} must be at most 16384 characters`);
    return undefined;
  }
  const r = parsePrivateKey(raw, key);
  if (!r.ok) {
    issue(r.rule, r.message);
    return undefined;
  }
  return r.pem;
};

/** The contents of the `tls-ca` file, or undefined when blank. */
export async function readCa(path: string): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw ValidationError.one('tls-ca', 'file', `tls-ca must be a readable PEM file (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}: ${path})`);
  }
}
