/**
 * The doctor's look at the bytes a server sends: what answers on the port (SMTP, SSH, a web
 * server, TLS, nothing), whether it wants TLS from the first byte, what EHLO offers, and the
 * certificate as it is (verified here, not by the TLS stack, so every problem can be named).
 * A diagnostic client on purpose: the delivery client (nodemailer) reports "greeting never
 * received" where an on-call engineer needs "this is an SSH server". Nothing is ever sent
 * beyond EHLO, STARTTLS and QUIT.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { TlsMode } from '../types.js';
import { STAGE, within } from './limits.js';
import { cleanError } from './check.js';

/** What the first bytes from a port look like. */
export type BannerKind = 'smtp' | 'smtp-refusal' | 'ssh' | 'http' | 'tls' | 'pop3' | 'imap' | 'ftp' | 'other';

export interface Banner {
  kind: BannerKind;
  /** The first line, printable. */
  text: string;
}

/** Names what a server said first (or answered to EHLO). */
export function classifyBanner(buf: Buffer): Banner {
  const first = buf.subarray(0, 512);
  // A TLS record: handshake (0x16) or alert (0x15), version 3.x.
  if (first.length >= 2 && (first[0] === 0x16 || first[0] === 0x15) && first[1] === 0x03) return { kind: 'tls', text: `TLS ${first[0] === 0x15 ? 'alert' : 'handshake'} record` };
  const text = printable(first.toString('latin1').split(/\r?\n/)[0] ?? '');
  const all = first.toString('latin1');
  if (/^SSH-\d/.test(all)) return { kind: 'ssh', text };
  if (/^HTTP\/\d/i.test(all) || /<!doctype html|<html|<head|<title/i.test(all)) return { kind: 'http', text };
  if (/^\+OK/.test(all)) return { kind: 'pop3', text };
  if (/^\* (OK|PREAUTH|BYE)/.test(all)) return { kind: 'imap', text };
  if (/^220[ -]/.test(all) && /\bFTP\b/i.test(all.split(/\r?\n/)[0]) && !/SMTP/i.test(all)) return { kind: 'ftp', text };
  if (/^220[ -]/.test(all)) return { kind: 'smtp', text };
  if (/^[45]\d\d[ -]/.test(all)) return { kind: 'smtp-refusal', text };
  return { kind: 'other', text };
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\x00-\x1f\x7f-\xff]/g, '.').trim();
  return t.length > 120 ? `${t.slice(0, 117)}...` : t;
}

/** The certificate a server presented, and what verification says about it. */
export interface CertInfo {
  subject: string;
  issuer: string;
  /** DNS and IP names it is valid for. */
  names: string[];
  validFrom: string;
  validTo: string;
  /** Days until it expires (negative once expired). */
  daysLeft: number;
  /** The chain verifies against the trusted roots (tls-ca or the system's); null when fine. */
  chainError: string | null;
  /** The name we connected to is not on it; null when fine. */
  nameError: string | null;
}

function certInfo(s: TLSSocket, name: string): CertInfo | undefined {
  const c: PeerCertificate = s.getPeerCertificate();
  if (!c || Object.keys(c).length === 0) return undefined;
  const names = (c.subjectaltname ?? '').split(/,\s*/).filter(Boolean).map((n) => n.replace(/^(DNS|IP Address):/, ''));
  const subject = typeof c.subject?.CN === 'string' ? c.subject.CN : JSON.stringify(c.subject ?? {});
  const issuer = typeof c.issuer?.CN === 'string' ? c.issuer.CN : JSON.stringify(c.issuer ?? {});
  const err = checkServerIdentity(name, c);
  return {
    subject,
    issuer,
    names: names.length ? names : [subject],
    validFrom: c.valid_from,
    validTo: c.valid_to,
    daysLeft: Math.floor((Date.parse(c.valid_to) - Date.now()) / 86_400_000),
    // Node reports a name mismatch as an authorization error too; the name is judged separately.
    chainError: s.authorized || String(s.authorizationError) === 'ERR_TLS_CERT_ALTNAME_INVALID' ? null : String(s.authorizationError ?? 'UNVERIFIED'),
    nameError: err ? err.message : null,
  };
}

export type ConnectFailure = 'refused' | 'timeout' | 'unreachable' | 'reset' | 'error';

export interface EhloInfo {
  /** The whole reply, first line. */
  reply: string;
  ok: boolean;
  extensions: string[];
  auth: string[];
  starttls: boolean;
}

export interface TlsInfo {
  how: 'implicit' | 'starttls';
  protocol: string | null;
  cert?: CertInfo;
}

/** What the probe found, step by step; a step missing means it was not reached. */
export interface ProbeResult {
  address: string;
  port: number;
  connect: { ok: true; ms: number; local?: string } | { ok: false; kind: ConnectFailure; code: string };
  /** The greeting (first bytes), `silent` when none came within the limit, `closed` when the server hung up. */
  greeting?: Banner | { kind: 'silent' } | { kind: 'closed' };
  /** For a silent port: whether a TLS handshake works there, and what it answered to EHLO. */
  silent?: { tls: boolean; answer?: Banner };
  /** Implicit TLS that failed: the handshake error, and the plain greeting seen on a second connection. */
  implicitFailed?: { error: string; timedOut: boolean; plain?: Banner };
  /** STARTTLS: whether EHLO offered it, and how the upgrade went. */
  starttls?: { offered: boolean; reply?: string; error?: string };
  tls?: TlsInfo;
  /** EHLO before TLS (STARTTLS) and the latest EHLO (after TLS when there was TLS). */
  ehloPlain?: EhloInfo;
  ehlo?: EhloInfo;
  /** The stage that ran out of time, if any. */
  timedOut?: 'greeting' | 'ehlo';
}

export interface ProbeOptions {
  address: string;
  port: number;
  /** Name the certificate must carry (relay-host or the MX name); the address when none. */
  servername: string;
  mode: TlsMode;
  tlsCa?: string;
  ehloName: string;
  signal: AbortSignal;
}

/** A socket with a byte buffer and "wait until" reads. */
class Line {
  private buf = Buffer.alloc(0);
  private closed = false;
  private waiters: (() => void)[] = [];
  constructor(public socket: Socket | TLSSocket) {
    this.attach(socket);
  }
  attach(s: Socket | TLSSocket): void {
    this.socket = s;
    s.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.wake();
    });
    s.on('close', () => {
      this.closed = true;
      this.wake();
    });
    s.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }
  /** Hands the socket over (to a TLS upgrade): this reader stops listening. */
  detach(): Socket | TLSSocket {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    this.socket.on('error', () => undefined);
    this.buf = Buffer.alloc(0);
    return this.socket;
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  get isClosed(): boolean {
    return this.closed;
  }
  /** Waits until `done(buffer)` or close or the signal; returns what arrived (and consumes it). */
  async read(done: (b: Buffer) => boolean, signal: AbortSignal): Promise<Buffer> {
    while (!done(this.buf) && !this.closed && !signal.aborted) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        signal.addEventListener('abort', () => r(), { once: true });
      });
    }
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }
  write(line: string): void {
    if (!this.closed) this.socket.write(`${line}\r\n`);
  }
  close(): void {
    this.socket.destroy();
  }
}

/** A complete SMTP reply: the last line has a space after the code. */
const fullReply = (b: Buffer) => /(^|\r?\n)\d{3}( [^\n]*)?\r?\n$/.test(b.toString('latin1')) || /(^|\n)\d{3} [^\n]*\n/.test(b.toString('latin1'));
const anyBytes = (b: Buffer) => b.length > 0;

function parseEhlo(reply: string): EhloInfo {
  const lines = reply.split(/\r?\n/).filter(Boolean);
  const ok = /^250/.test(lines[0] ?? '');
  const extensions = lines.slice(1).map((l) => l.slice(4).trim().toUpperCase());
  const authLine = extensions.find((e) => /^AUTH[ =]/.test(e));
  const auth = authLine ? authLine.slice(5).split(/\s+/).filter(Boolean) : [];
  return { reply: printable(lines[0] ?? ''), ok, extensions, auth: [...new Set(auth)], starttls: extensions.includes('STARTTLS') };
}

function tcp(address: string, port: number, signal: AbortSignal): Promise<{ socket: Socket; ms: number } | { kind: ConnectFailure; code: string }> {
  return new Promise((resolve) => {
    const began = Date.now();
    const s = tcpConnect({ host: address, port });
    const done = (r: { socket: Socket; ms: number } | { kind: ConnectFailure; code: string }) => {
      signal.removeEventListener('abort', onAbort);
      if (!('socket' in r)) s.destroy();
      resolve(r);
    };
    const onAbort = () => done({ kind: 'timeout', code: 'ETIMEDOUT' });
    signal.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => {
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      done({ socket: s, ms: Date.now() - began });
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'ERROR';
      const kind: ConnectFailure = code === 'ECONNREFUSED' ? 'refused' : code === 'ETIMEDOUT' ? 'timeout' : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL' ? 'unreachable' : code === 'ECONNRESET' ? 'reset' : 'error';
      done({ kind, code });
    });
  });
}

function handshake(socket: Socket | undefined, o: ProbeOptions, signal: AbortSignal): Promise<{ tls: TLSSocket } | { error: string }> {
  return new Promise((resolve) => {
    const opts = {
      ...(socket ? { socket } : { host: o.address, port: o.port }),
      servername: isIpLike(o.servername) ? undefined : o.servername,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2' as const,
      ...(o.tlsCa ? { ca: o.tlsCa } : {}),
    };
    const t = tlsConnect(opts);
    const done = (r: { tls: TLSSocket } | { error: string }) => {
      signal.removeEventListener('abort', onAbort);
      if ('error' in r) t.destroy();
      resolve(r);
    };
    const onAbort = () => done({ error: 'no TLS handshake in time' });
    signal.addEventListener('abort', onAbort, { once: true });
    t.once('secureConnect', () => {
      t.removeAllListeners('error');
      t.on('error', () => undefined);
      done({ tls: t });
    });
    t.once('error', (e: NodeJS.ErrnoException) => done({ error: cleanError(`${e.code ? `${e.code}: ` : ''}${e.message}`) }));
  });
}

const isIpLike = (s: string) => /^[\d.]+$/.test(s) || s.includes(':');

/**
 * Reads the greeting into `out.greeting`: the first bytes name the server, then the rest of a
 * multi-line 220 is read under the same limit (postscreen sends "220-" and waits).
 */
async function greeting(line: Line, out: ProbeResult, signal: AbortSignal): Promise<void> {
  const first = await line.read(anyBytes, signal);
  if (first.length === 0) {
    out.greeting = line.isClosed ? { kind: 'closed' } : { kind: 'silent' };
    return;
  }
  out.greeting = classifyBanner(first);
  if (out.greeting.kind === 'smtp' && !fullReply(first)) await line.read(fullReply, signal);
}

async function ehlo(line: Line, name: string, signal: AbortSignal): Promise<EhloInfo | undefined> {
  line.write(`EHLO ${name}`);
  const reply = await line.read(fullReply, signal);
  return reply.length ? parseEhlo(reply.toString('latin1')) : undefined;
}

/** What a server that says nothing is: TLS from the first byte, or something that answers EHLO. */
async function silentProbe(line: Line, o: ProbeOptions): Promise<ProbeResult['silent']> {
  const [tls, answer] = await Promise.all([
    within(STAGE.silentProbe, async (signal) => {
      const r = await handshake(undefined, o, signal);
      if ('tls' in r) r.tls.destroy();
      return 'tls' in r;
    }, o.signal),
    within(STAGE.silentProbe, async (signal) => {
      line.write(`EHLO ${o.ehloName}`);
      const b = await line.read(anyBytes, signal);
      return b.length ? classifyBanner(b) : undefined;
    }, o.signal),
  ]);
  return { tls: tls.ok && tls.value, ...(answer.ok && answer.value ? { answer: answer.value } : {}) };
}

/** Probes one SMTP server the way delivery would connect to it, stage by stage, each under its limit. */
export async function probeSmtp(o: ProbeOptions): Promise<ProbeResult> {
  const out: ProbeResult = { address: o.address, port: o.port, connect: { ok: false, kind: 'timeout', code: 'ETIMEDOUT' } };
  const conn = await within(STAGE.connect, (signal) => tcp(o.address, o.port, signal), o.signal);
  if (!conn.ok) return out;
  if (!('socket' in conn.value)) {
    out.connect = { ok: false, kind: conn.value.kind, code: conn.value.code };
    return out;
  }
  const socket = conn.value.socket;
  out.connect = { ok: true, ms: conn.value.ms, local: socket.localAddress };
  const line = new Line(socket);
  try {
    if (o.mode === 'implicit') await implicitPath(line, socket, o, out);
    else await plainPath(line, o, out);
  } finally {
    line.write('QUIT');
    line.close();
  }
  return out;
}

async function implicitPath(line: Line, socket: Socket, o: ProbeOptions, out: ProbeResult): Promise<void> {
  const hs = await within(STAGE.banner, async (signal) => {
    const raw = line.detach();
    const r = await handshake(raw as Socket, o, signal);
    if ('error' in r) return r;
    line.attach(r.tls);
    out.tls = { how: 'implicit', protocol: r.tls.getProtocol(), cert: certInfo(r.tls, o.servername) };
    await greeting(line, out, signal);
    return r;
  }, o.signal);
  if (!hs.ok || 'error' in hs.value) {
    const error = hs.ok && 'error' in hs.value ? hs.value.error : 'no TLS handshake within the limit';
    out.implicitFailed = { error, timedOut: !hs.ok };
    if (!hs.ok && out.tls) {
      // Handshake done, greeting never came (or never finished): a TLS port that does not speak SMTP in time.
      out.greeting ??= { kind: 'silent' };
      delete out.implicitFailed;
      out.timedOut = 'greeting';
      return;
    }
    socket.destroy();
    // What does the port say in plain text? A second connection reads its greeting.
    const plain = await within(STAGE.silentProbe, async (signal) => {
      const c = await tcp(o.address, o.port, signal);
      if (!('socket' in c)) return undefined;
      const l = new Line(c.socket);
      try {
        const b = await l.read(anyBytes, signal);
        return b.length ? classifyBanner(b) : undefined;
      } finally {
        l.close();
      }
    }, o.signal);
    if (plain.ok && plain.value) out.implicitFailed.plain = plain.value;
    return;
  }
  if (out.greeting?.kind !== 'smtp') return;
  const e = await within(STAGE.ehlo, (signal) => ehlo(line, o.ehloName, signal), o.signal);
  if (e.ok) out.ehlo = e.value;
  else out.timedOut = 'ehlo';
}

async function plainPath(line: Line, o: ProbeOptions, out: ProbeResult): Promise<void> {
  const g = await within(STAGE.banner, (signal) => greeting(line, out, signal), o.signal);
  out.greeting ??= { kind: 'silent' };
  if (!g.ok && out.greeting.kind === 'smtp') {
    out.timedOut = 'greeting';
    return;
  }
  if (out.greeting.kind === 'silent') {
    out.timedOut = 'greeting';
    out.silent = await silentProbe(line, o);
    return;
  }
  if (out.greeting.kind !== 'smtp') return;
  const e = await within(STAGE.ehlo, async (signal) => {
    out.ehloPlain = await ehlo(line, o.ehloName, signal);
    out.ehlo = out.ehloPlain;
    if (!out.ehloPlain || o.mode === 'none') {
      if (out.ehloPlain) out.starttls = { offered: out.ehloPlain.starttls };
      return;
    }
    out.starttls = { offered: out.ehloPlain.starttls };
    if (!out.ehloPlain.starttls) return;
    line.write('STARTTLS');
    const reply = (await line.read(fullReply, signal)).toString('latin1');
    out.starttls.reply = printable(reply.split(/\r?\n/)[0] ?? '');
    if (!/^220/.test(reply)) return;
    const raw = line.detach();
    const r = await handshake(raw as Socket, o, signal);
    if ('error' in r) {
      out.starttls.error = r.error;
      return;
    }
    line.attach(r.tls);
    out.tls = { how: 'starttls', protocol: r.tls.getProtocol(), cert: certInfo(r.tls, o.servername) };
    out.ehlo = await ehlo(line, o.ehloName, signal);
  }, o.signal);
  if (!e.ok) out.timedOut = 'ehlo';
}
