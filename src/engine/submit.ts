/**
 * Mail handed to the engine (the API, the CLI, `test`, the SMTP intake, alert
 * emails): validated, composed when given as parts, then stored and queued in
 * one synced batch with its `received` log entry (and its idempotency key,
 * when it has one: a repeat with the same key queues nothing).
 */
import type { Actor, EventEntry, MessageBody, QueueItem, Settings, SettingsView, SubmitInput, SubmitResult } from './types.js';
import type { Clock } from './facade.js';
import { ValidationError } from './errors.js';
import type { Journal } from './journal.js';
import { K, prefixRange, type Op, type Store } from './store.js';
import type { QueueIds } from './ids.js';
import type { Queue, QueueRecord } from './queue/queue.js';
import { compose, decodeWords, readHeaders, testMessageText } from './compose.js';
import { isMailbox } from './settings/syntax.js';
import { hasNonAscii, isBarePostmaster, mailboxProblem } from './mailbox.js';
import { hasEightBit, headerEnd } from './message-needs.js';

/** Submit idempotency keys are kept this long. */
const IDEMPOTENCY_MS = 7 * 86_400_000;

export interface SubmitDeps {
  store: Store;
  queue: Queue;
  journal: Journal;
  clock: Clock;
  ids: QueueIds;
  settings(): Settings;
  /** Wake the worker: new mail is due. */
  kick(): void;
}

export class Submissions {
  constructor(private readonly d: SubmitDeps) {}

  /** Validate, store and queue a message; `eventOf` (given the id) reports it in the same batch. */
  async submit(input: SubmitInput, actor?: Actor, eventOf?: (id: string) => EventEntry): Promise<SubmitResult> {
    if (input === null || typeof input !== 'object') throw ValidationError.one('message', 'required', 'a message needs from, to and a body');
    const idem = input.idempotencyKey;
    if (idem !== undefined) {
      if (typeof idem !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(idem)) throw ValidationError.one('idempotencyKey', 'format', 'idempotencyKey must be 1 to 200 printable characters without spaces');
      const seen = await this.d.store.getJson<SubmitResult>(K.idem(idem));
      if (seen) return { id: seen.id, messageId: seen.messageId };
    }
    const settings = this.d.settings();
    const to = checkRecipients(input.to, settings.intakeMaxRecipients, 'raw' in input);
    const now = this.d.clock.now();
    const id = this.d.ids.next(now);
    const { from, raw, messageId } = 'raw' in input ? rawMessage(input, id, settings) : await composedMessage(input, to, id, now, settings);
    const size = raw.length;
    const subject = decodeWords(readHeaders(raw)['subject'] ?? '').slice(0, 200);
    const source: QueueItem['source'] = input.source ?? (actor?.platform === 'intake' ? 'intake' : 'api');
    const client = 'raw' in input ? input.client : undefined;
    const needs = transportNeeds(input, source, from, to, raw);
    const rec: QueueRecord = { id, state: 'queued', from, to, size, subject, createdAt: now, attempts: 0, nextAttempt: now, lastError: null, source, messageId, due: now, ...(client ? { client } : {}), ...needs };
    const entry = this.d.journal.entry({ status: 'received', id, messageId, from, to, size, source, ...(client ? { client } : {}) }, now);
    const ops = this.d.queue.submitOps(rec, raw);
    if (idem !== undefined) ops.push({ type: 'put', key: K.idem(idem), value: JSON.stringify({ id, messageId, at: now }) });
    await this.d.queue.track(this.d.journal.commit({ ops, log: [entry], events: eventOf ? [eventOf(id)] : [], sync: true }));
    this.d.kick();
    return { id, messageId };
  }

  /** Idempotency keys older than a week go (the alert outbox that uses them retries for minutes, not weeks). */
  async pruneIdempotency(): Promise<void> {
    const old: Op[] = [];
    const cutoff = this.d.clock.now() - IDEMPOTENCY_MS;
    for await (const [k, v] of this.d.store.db.iterator(prefixRange('idem!'))) {
      if (((JSON.parse(v) as { at?: number }).at ?? 0) < cutoff) old.push({ type: 'del', key: k });
    }
    if (old.length) await this.d.store.commit(old);
  }

  /** Queue a test message to `address` whose body states the settings used; `test.sent` goes in its batch. */
  async sendTest(address: string, actor: Actor, view: SettingsView): Promise<SubmitResult> {
    if (typeof address !== 'string' || !isMailbox(address.trim())) throw ValidationError.one('address', 'email', `address must be an email address like you@example.com (got ${JSON.stringify(String(address).slice(0, 80))})`);
    const to = address.trim();
    const text = testMessageText(view, '(assigned on queueing)', new Date(this.d.clock.now()));
    const message: SubmitInput = { to: [to], subject: `smtp-ops test message from ${view.hostname}`, text, headers: { 'X-Smtp-Ops-Test': 'yes' }, source: 'test' };
    return this.submit(message, actor, (id) => this.d.journal.event('info', 'test.sent', `test message ${id} queued to ${to}`, actor, { id }));
  }
}

type Built = { from: string; raw: Buffer; messageId: string };

/** A message given as bytes with its envelope: the sender may be empty (null sender); the Message-ID is the message's own. */
function rawMessage(input: Extract<SubmitInput, { raw: unknown }>, id: string, s: Settings): Built {
  const from = typeof input.from === 'string' ? input.from.trim() : '';
  const problem = from === '' ? null : mailboxProblem(from);
  if (problem) throw ValidationError.one('from', 'email', `from must be an email address (RFC 5321/6531) or empty for a null sender: ${problem.reason} (got ${JSON.stringify(String(input.from).slice(0, 80))})`);
  const raw = Buffer.isBuffer(input.raw) ? input.raw : Buffer.from(String(input.raw), 'utf8');
  if (raw.length === 0) throw ValidationError.one('raw', 'required', 'the message is empty');
  const h = readHeaders(raw);
  return { from, raw, messageId: h['message-id'] ?? `<${id}@${s.hostname}>` };
}

/** A message given as parts: composed with the configured From unless another is given. */
async function composedMessage(input: Exclude<SubmitInput, { raw: unknown }>, to: string[], id: string, now: number, s: Settings): Promise<Built> {
  const from = input.from?.trim() || s.fromAddress;
  if (!isMailbox(from)) throw ValidationError.one('from', 'email', `from must be an email address (got ${JSON.stringify(from.slice(0, 80))})`);
  if (typeof input.subject !== 'string' || /[\r\n]/.test(input.subject)) throw ValidationError.one('subject', 'no-crlf', 'subject must be text without line breaks');
  if (typeof input.text !== 'string') throw ValidationError.one('text', 'required', 'text must be given');
  for (const [k, v] of Object.entries(input.headers ?? {})) {
    if (!/^[!-9;-~]+$/.test(k) || /[\r\n]/.test(String(v))) throw ValidationError.one(`headers.${k}`, 'no-crlf', 'header names must be printable ASCII and values must not contain line breaks');
  }
  const messageId = `<${id}@${s.hostname}>`;
  const raw = await compose({ fromName: s.fromName, fromAddress: from, to, subject: input.subject, text: input.text, headers: input.headers, messageId, date: new Date(now) });
  return { from, raw, messageId };
}

/** Recipients checked with the listener's validator; `raw` submissions (SMTP) may name the bare `postmaster` (RFC 5321 4.1.1.3). */
function checkRecipients(to: unknown, max: number, raw: boolean): string[] {
  if (!Array.isArray(to) || to.length === 0) throw ValidationError.one('to', 'required', 'to must list at least one recipient address');
  if (max > 0 && to.length > max) throw ValidationError.one('to', 'max-recipients', `to may list at most ${max} recipients (intake-max-recipients); got ${to.length}`);
  const out: string[] = [];
  for (const t of to) {
    const v = typeof t === 'string' ? t.trim() : '';
    const problem = raw && isBarePostmaster(v) ? null : mailboxProblem(v);
    if (problem) throw ValidationError.one('to', 'email', `every recipient must be an email address (RFC 5321/6531): ${problem.reason} (got ${JSON.stringify(String(t).slice(0, 80))})`);
    out.push(v);
  }
  return out;
}

/**
 * BODY and SMTPUTF8 to keep with the message. SMTP submissions keep what the
 * client declared (like Postfix's smtpd); 8-bit bytes it did not declare still
 * count as 8BITMIME. Other submissions are autodetected, like Postfix's
 * sendmail (smtputf8_autodetect_classes): a non-ASCII address or header.
 */
function transportNeeds(input: SubmitInput, source: QueueItem['source'], from: string, to: string[], raw: Buffer): Pick<QueueRecord, 'body' | 'smtputf8'> {
  const declared: { body?: MessageBody; smtputf8?: boolean } = 'raw' in input ? input : {};
  const body = declared.body === '8BITMIME' || hasEightBit(raw) ? '8BITMIME' : declared.body;
  const smtputf8 = declared.smtputf8 === true || (source !== 'intake' && (hasNonAscii(from) || to.some(hasNonAscii) || hasEightBit(raw, 0, headerEnd(raw))));
  return { ...(body ? { body } : {}), ...(smtputf8 ? { smtputf8: true as const } : {}) };
}
