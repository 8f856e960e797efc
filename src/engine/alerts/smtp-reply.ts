/**
 * What an SMTP reply (or our own failure text) says in codes: the reply code and the RFC 3463
 * enhanced status. When no server answered (refused connection, DNS, TLS), the enhanced status
 * Postfix reports for the same failure is used, so every failure carries one.
 */
import type { FailureKind, SmtpStage } from '../types.js';

/** `451 4.3.0 text`, `550-5.1.1 text`: the enhanced status after the reply code (RFC 3463 2: class.subject.detail). */
const ENHANCED = /^\s*(?:([245])\d\d[ -])?\s*([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])/;

/** The RFC 3463 status in a reply, when its class agrees with the reply code; else null. */
export function parseEnhanced(text: string, code?: number | null): string | null {
  const m = ENHANCED.exec(text);
  if (!m) return null;
  const cls = m[2];
  if (m[1] && m[1] !== cls) return null;
  if (code && String(code)[0] !== cls) return null;
  return `${cls}.${Number(m[3])}.${Number(m[4])}`;
}

/** The reply code at the start of a text (`421 …`), or null. */
export function parseReplyCode(text: string): number | null {
  const m = /^\s*([2-5]\d\d)(?:[ -]|$)/.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The enhanced status of a failure no server explained, as Postfix words it: 4.4.1 no answer
 * (refused, unreachable), 4.4.2 bad connection (lost or timed out mid-session), 4.4.3 DNS failure,
 * 5.4.4 host not found, 5.1.10 null MX (RFC 7505), 4.7.5 TLS, 4.3.5 configuration.
 */
export function impliedEnhanced(failure: FailureKind | undefined, stage: SmtpStage | undefined, permanent: boolean, text: string): string {
  if (failure === 'dns') {
    if (!permanent) return '4.4.3';
    return /null MX/i.test(text) ? '5.1.10' : '5.4.4';
  }
  if (failure === 'tls') return '4.7.5';
  if (failure === 'auth') return '4.7.0';
  if (failure === 'config') return permanent ? (stage === 'local' ? '5.1.3' : '5.3.0') : '4.3.5';
  if (failure === 'connection') return '4.4.1';
  if (failure === 'timeout') return stage === 'connect' ? '4.4.1' : '4.4.2';
  return permanent ? '5.0.0' : '4.4.2';
}

/** Stages as an operator reads them in an alert. */
export const STAGE_LABELS: Readonly<Record<SmtpStage, string>> = {
  dns: 'DNS lookup',
  connect: 'connect',
  greeting: 'greeting',
  ehlo: 'EHLO',
  tls: 'TLS',
  auth: 'AUTH',
  mail: 'MAIL FROM',
  rcpt: 'RCPT TO',
  data: 'DATA',
  timeout: 'timeout',
  local: 'before sending',
};
