/**
 * `createEngine`: wires the store, settings, queue, worker, logs, alerts,
 * access, reports, doctor and intake into the one {@link Engine} facade.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Clock, Engine, EngineOptions, IntakeServer } from './facade.js';
import type {
  Actor,
  AttemptOutcome,
  Deliverer,
  DeliveryRequest,
  DnsResolver,
  EventEntry,
  EventLevel,
  QueueItem,
  RecipientResult,
  Settings,
  SettingsPatch,
  SettingsView,
  SubmitInput,
  SubmitResult,
} from './types.js';
import { EVENT_LEVELS } from './types.js';
import { ErrorCode, SmtpOpsError, ValidationError } from './errors.js';
import { K, Store, type Op } from './store.js';
import { SecretBox, safeEqual, type Sealed } from './secrets.js';
import { SECRET_KEYS, applyPatch, defaultSettings, deliveryConfig, isMailbox, isSecretKey, viewOf, type SecretKey } from './settings.js';
import { compose, decodeWords, readHeaders, testMessageText } from './compose.js';
import { Journal } from './journal.js';
import { Queue, type QueueRecord } from './queue/queue.js';
import { Worker } from './queue/worker.js';
import { listLog } from './logs/maillog.js';
import { listEvents } from './logs/events.js';
import { AlertService, outcomesOf } from './alerts/index.js';
import { Access } from './access.js';
import { createDeliverer } from './delivery/index.js';
import { directPortFromEnv, resolverFromEnv } from './delivery/dns.js';
import { createReports } from './reports/index.js';
import type { Reports } from './reports/types.js';

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

const RECENT_OUTCOMES = 1000;
/** Submit idempotency keys are kept this long. */
const IDEMPOTENCY_MS = 7 * 86_400_000;

/** Open the store and start the engine (and its delivery worker unless `worker: false`). */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const clock = options.clock ?? systemClock;
  await mkdir(options.storeDir, { recursive: true });
  const box = await SecretBox.load(options.storeDir, options.secretKey);
  const store = await Store.open(options.storeDir);
  try {
    const impl = await EngineImpl.open(store, box, clock, options);
    return impl;
  } catch (e) {
    await store.close();
    throw e;
  }
}

class EngineImpl implements Engine {
  private settings!: Settings;
  private secrets = new Map<SecretKey, string>();
  private tlsCaPem: string | undefined;
  private deliverer: Deliverer | null = null;
  /** Sends in flight per deliverer, so a retired one closes when its last send is done. */
  private readonly delivererUse = new Map<Deliverer, number>();
  private readonly retired = new Set<Deliverer>();
  private readonly waiters = new Map<string, ((o: AttemptOutcome) => void)[]>();
  private readonly recent = new Map<string, AttemptOutcome>();
  private ids = { last: 0, seq: 0 };
  /** Random per-process suffix: ids stay unique across restarts within one millisecond. */
  private readonly idSalt = randomBytes(3).readUIntBE(0, 3).toString(36).padStart(5, '0');
  private closed = false;
  private intake: { server: IntakeServer; opts?: { listen?: string } } | null = null;
  private readonly journal: Journal;
  private alerts!: AlertService;
  private readonly access: Access;
  private queue!: Queue;
  private worker!: Worker;
  private reports!: Reports;
  private readonly resolver: DnsResolver;
  private readonly directPort: number;

  private constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly options: EngineOptions,
  ) {
    this.journal = new Journal(store, clock);
    this.access = new Access(store, clock);
    this.resolver = options.resolver ?? resolverFromEnv();
    this.directPort = options.directPort ?? directPortFromEnv();
  }

  static async open(store: Store, box: SecretBox, clock: Clock, options: EngineOptions): Promise<EngineImpl> {
    const e = new EngineImpl(store, box, clock, options);
    e.settings = { ...defaultSettings(), ...((await store.getJson<Partial<Settings>>(K.settings)) ?? {}) };
    for (const k of SECRET_KEYS) {
      const sealed = await store.getJson<Sealed>(K.secret(k));
      if (sealed) e.secrets.set(k, box.open(sealed));
    }
    // A CA file that vanished must not keep the engine from starting; delivery and the doctor report it.
    e.tlsCaPem = await readCa(e.settings.tlsCa).catch(() => undefined);
    e.reports = createReports({ db: store.db });
    await e.reports.open();
    e.journal.useReports(e.reports);
    e.queue = await Queue.open(store, e.journal, clock);
    e.alerts = await AlertService.open({
      store,
      clock,
      journal: e.journal,
      settings: () => e.settings,
      queueCounts: () => e.queue.getCounts(null),
      report: (day) => e.report({ day }),
      log: (m) => console.error(`smtp-ops: ${m}`),
    });
    e.journal.listen((_log, events) => e.alerts.observeEvents(events));
    e.worker = new Worker({
      queue: e.queue,
      clock,
      settings: () => e.settings,
      deliver: (req) => e.deliver(req),
      body: (id) => e.queue.body(id),
      attempted: (rec, results) => e.attempted(rec, results),
      disabled: () => void e.alerts.record('warning', 'smtp.disabled', 'SMTP disabled: mail is queued but not sent (config set enabled=on to send)'),
      fault: (err) => void e.alerts.record('error', 'engine.fault', `delivery worker error: ${(err as Error).message}`),
      pollMs: options.pollMs ?? 30_000,
    });
    if (options.worker !== false) e.worker.start();
    if (options.alerts ?? options.worker !== false) e.alerts.start();
    await e.pruneIdempotency();
    return e;
  }

  // ------------------------------------------------------------ settings

  async getSettings(): Promise<SettingsView> {
    return viewOf(this.settings, (k) => this.secrets.has(k));
  }

  async updateSettings(patch: SettingsPatch, actor: Actor): Promise<SettingsView> {
    this.open();
    if (patch === null || typeof patch !== 'object') throw ValidationError.one('settings', 'required', 'give settings as key=value');
    // An empty secret clears it; everything else goes through validation.
    const clears = Object.entries(patch).filter(([k, v]) => isSecretKey(k) && v === '').map(([k]) => k as SecretKey);
    const rest = Object.fromEntries(Object.entries(patch).filter(([k]) => !clears.includes(k as SecretKey))) as SettingsPatch;
    const applied = Object.keys(rest).length > 0 ? applyPatch(this.settings, rest, (k) => this.secrets.has(k) && !clears.includes(k)) : { settings: this.settings, secrets: {}, changed: [], warnings: [] };
    if (clears.includes('intake-password') && applied.settings.intakeAuth) {
      throw ValidationError.one('intake-password', 'required', 'intake-password cannot be cleared while intake-auth is on');
    }
    const tlsCaPem = await readCa(applied.settings.tlsCa);
    const ops: Op[] = [{ type: 'put', key: K.settings, value: JSON.stringify(applied.settings) }];
    for (const [k, v] of Object.entries(applied.secrets)) ops.push({ type: 'put', key: K.secret(k), value: JSON.stringify(this.box.seal(v)) });
    for (const k of clears) ops.push({ type: 'del', key: K.secret(k) });
    const changed = [...applied.changed, ...clears];
    const events: EventEntry[] = [];
    if (changed.length > 0) {
      const shown = changed.map((k) => (isSecretKey(k) ? `${k} (${clears.includes(k) ? 'cleared' : 'changed'})` : k));
      events.push(this.journal.event('info', 'config.changed', `settings changed: ${shown.join(', ')}`, actor, { fields: changed }));
    }
    for (const w of applied.warnings) events.push(this.journal.event('warning', 'config.warning', w, actor));
    await this.journal.write(ops, [], events, true);
    this.settings = applied.settings;
    for (const [k, v] of Object.entries(applied.secrets)) this.secrets.set(k as SecretKey, v);
    for (const k of clears) this.secrets.delete(k);
    this.tlsCaPem = tlsCaPem;
    this.resetDeliverer();
    this.worker.kick();
    if (changed.some((k) => EngineImpl.INTAKE_KEYS.has(k))) await this.restartIntake();
    return this.getSettings();
  }

  // ------------------------------------------------------------ mail

  async submit(input: SubmitInput, actor?: Actor): Promise<SubmitResult> {
    this.open();
    if (input === null || typeof input !== 'object') throw ValidationError.one('message', 'required', 'a message needs from, to and a body');
    const idem = input.idempotencyKey;
    if (idem !== undefined) {
      if (typeof idem !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(idem)) throw ValidationError.one('idempotencyKey', 'format', 'idempotencyKey must be 1 to 200 printable characters without spaces');
      const seen = await this.store.getJson<SubmitResult>(K.idem(idem));
      if (seen) return { id: seen.id, messageId: seen.messageId };
    }
    const to = checkRecipients(input.to, this.settings.intakeMaxRecipients);
    const now = this.clock.now();
    const id = this.newId(now);
    let raw: Buffer;
    let from: string;
    let messageId: string;
    if ('raw' in input) {
      from = typeof input.from === 'string' ? input.from.trim() : '';
      if (from !== '' && !isMailbox(from)) throw ValidationError.one('from', 'email', `from must be an email address or empty for a null sender (got ${JSON.stringify(String(input.from).slice(0, 80))})`);
      raw = Buffer.isBuffer(input.raw) ? input.raw : Buffer.from(String(input.raw), 'utf8');
      if (raw.length === 0) throw ValidationError.one('raw', 'required', 'the message is empty');
      const h = readHeaders(raw);
      messageId = h['message-id'] ?? `<${id}@${this.settings.hostname}>`;
    } else {
      from = input.from?.trim() || this.settings.fromAddress;
      if (!isMailbox(from)) throw ValidationError.one('from', 'email', `from must be an email address (got ${JSON.stringify(from.slice(0, 80))})`);
      if (typeof input.subject !== 'string' || /[\r\n]/.test(input.subject)) throw ValidationError.one('subject', 'no-crlf', 'subject must be text without line breaks');
      if (typeof input.text !== 'string') throw ValidationError.one('text', 'required', 'text must be given');
      for (const [k, v] of Object.entries(input.headers ?? {})) {
        if (!/^[!-9;-~]+$/.test(k) || /[\r\n]/.test(String(v))) throw ValidationError.one(`headers.${k}`, 'no-crlf', 'header names must be printable ASCII and values must not contain line breaks');
      }
      messageId = `<${id}@${this.settings.hostname}>`;
      raw = await compose({ fromName: this.settings.fromName, fromAddress: from, to, subject: input.subject, text: input.text, headers: input.headers, messageId, date: new Date(now) });
    }
    const size = raw.length;
    const subject = decodeWords(readHeaders(raw)['subject'] ?? '').slice(0, 200);
    const source: QueueItem['source'] = input.source ?? (actor?.platform === 'intake' ? 'intake' : 'api');
    const client = 'raw' in input ? input.client : undefined;
    const rec: QueueRecord = { id, state: 'queued', from, to, size, subject, createdAt: now, attempts: 0, nextAttempt: now, lastError: null, source, messageId, due: now, ...(client ? { client } : {}) };
    const entry = this.journal.entry({ status: 'received', id, messageId, from, to, size, source, ...(client ? { client } : {}) }, now);
    const ops = this.queue.submitOps(rec, raw);
    if (idem !== undefined) ops.push({ type: 'put', key: K.idem(idem), value: JSON.stringify({ id, messageId, at: now }) });
    await this.queue.track(this.journal.write(ops, [entry], [], true));
    this.worker.kick();
    return { id, messageId };
  }

  async sendTest(address: string, actor: Actor): Promise<SubmitResult> {
    this.open();
    if (typeof address !== 'string' || !isMailbox(address.trim())) throw ValidationError.one('address', 'email', `address must be an email address like you@example.com (got ${JSON.stringify(String(address).slice(0, 80))})`);
    const view = await this.getSettings();
    const now = this.clock.now();
    const text = testMessageText(view, '(assigned on queueing)', new Date(now));
    const res = await this.submit({ to: [address.trim()], subject: `smtp-ops test message from ${view.hostname}`, text, headers: { 'X-Smtp-Ops-Test': 'yes' }, source: 'test' }, actor);
    await this.journal.write([], [], [this.journal.event('info', 'test.sent', `test message ${res.id} queued to ${address.trim()}`, actor, { id: res.id })]);
    return res;
  }

  waitForAttempt(id: string, timeoutMs = 120_000): Promise<AttemptOutcome> {
    const done = this.recent.get(id);
    if (done) return Promise.resolve(done);
    return this.queue.get(id).then(
      () =>
        new Promise<AttemptOutcome>((resolve, reject) => {
          // The attempt may have finished while the queue was read: its waiters were told already.
          const finished = this.recent.get(id);
          if (finished) return resolve(finished);
          const list = this.waiters.get(id) ?? [];
          const timer = setTimeout(() => {
            const l = this.waiters.get(id) ?? [];
            const i = l.indexOf(waiter);
            if (i >= 0) l.splice(i, 1);
            reject(new SmtpOpsError(ErrorCode.Timeout, `no delivery attempt of ${id} within ${Math.round(timeoutMs / 1000)}s (is the engine disabled, or the message held?)`));
          }, timeoutMs);
          const waiter = (o: AttemptOutcome) => {
            clearTimeout(timer);
            resolve(o);
          };
          list.push(waiter);
          this.waiters.set(id, list);
        }),
      (e: unknown) => {
        // Sent and gone from the queue while it was read: the outcome is known.
        const finished = this.recent.get(id);
        if (finished) return finished;
        throw e;
      },
    );
  }

  // ------------------------------------------------------------ queue

  async queueCounts() {
    return this.queue.getCounts(await this.queue.oldest());
  }

  async queueList(q?: Parameters<Engine['queueList']>[0]) {
    const page = await this.queue.list(q);
    return { ...page, items: page.items.map((r) => publicItem(r as QueueRecord)) };
  }

  async queueShow(id: string) {
    const rec = await this.queue.get(id);
    const raw = await this.queue.body(id);
    const headers = raw ? readHeaders(raw) : {};
    return { ...publicItem(rec), headers };
  }

  async queueFlush(actor: Actor, onProgress?: Parameters<Engine['queueFlush']>[1]) {
    this.open();
    const count = await this.queue.flush(onProgress);
    const disabled = !this.settings.enabled;
    await this.journal.write([], [], [this.journal.event('info', 'queue.flushed', `queue flushed: ${count} message(s) due now${disabled ? ' (SMTP is disabled: nothing will be sent until enabled=on)' : ''}`, actor, { count })]);
    this.worker.kick();
    return { count };
  }

  async queueDeleteAll(actor: Actor, onProgress?: Parameters<Engine['queueDeleteAll']>[1]) {
    this.open();
    const count = await this.queue.deleteAll(onProgress);
    await this.journal.write([], [], [this.journal.event('warning', 'queue.deleted', `queue deleted: ${count} message(s) removed`, actor, { count })], true);
    return { count };
  }

  async queueDelete(id: string, actor: Actor) {
    this.open();
    const r = await this.queue.deleteOne(id, actor);
    await this.journal.write([], [], [this.journal.event('info', 'queue.message-deleted', `message ${id} deleted (from ${r.from || '<>'} to ${r.to.join(', ')})`, actor, { id, count: 1 })]);
  }

  async queueHold(id: string, actor: Actor) {
    this.open();
    await this.queue.hold(id);
    await this.journal.write([], [], [this.journal.event('info', 'queue.held', `message ${id} held`, actor, { id })]);
  }

  async queueRelease(id: string, actor: Actor) {
    this.open();
    await this.queue.release(id);
    await this.journal.write([], [], [this.journal.event('info', 'queue.released', `message ${id} released`, actor, { id })]);
    this.worker.kick();
  }

  // ------------------------------------------------------------ logs

  logList(q?: Parameters<Engine['logList']>[0]) {
    return listLog(this.store, q);
  }

  eventList(q?: Parameters<Engine['eventList']>[0]) {
    return listEvents(this.store, q);
  }

  async recordEvent(level: EventLevel, code: string, message: string, actor: Actor | 'system', data?: Record<string, unknown>): Promise<EventEntry> {
    this.open();
    if (!EVENT_LEVELS.includes(level)) throw ValidationError.one('level', 'choice', `level must be one of ${EVENT_LEVELS.join(', ')}`);
    if (!/^[a-z][a-z0-9.-]{0,63}$/.test(code)) throw ValidationError.one('code', 'format', 'code must be a dotted lower-case name like access.denied');
    const e = this.journal.event(level, code, String(message).slice(0, 2000), actor, data);
    await this.journal.write([], [], [e]);
    return e;
  }

  // ------------------------------------------------------------ reports, doctor

  async report(q: Parameters<Engine['report']>[0]) {
    const timezone = this.settings.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    return this.reports.build(q, { timezone, now: this.clock.now() });
  }

  async doctor() {
    const { runDoctor } = await import('./doctor/index.js');
    const view = await this.getSettings();
    const problems = (await listEvents(this.store, { minLevel: 'warning', limit: 50 })).items.filter((e) => this.clock.now() - e.time < 86_400_000);
    return runDoctor(view, this.config(), this.resolver, problems);
  }

  // ------------------------------------------------------------ alerts, access

  alertSubscribe(...a: Parameters<Engine['alertSubscribe']>) {
    return this.alerts.subscribe(...a);
  }
  alertUnsubscribe(target: Parameters<Engine['alertUnsubscribe']>[0]) {
    return this.alerts.unsubscribe(target);
  }
  async alertList() {
    return this.alerts.list();
  }
  alertReportSubscribe(...a: Parameters<Engine['alertReportSubscribe']>) {
    return this.alerts.subscribeReport(...a);
  }
  alertReportUnsubscribe(target: Parameters<Engine['alertReportUnsubscribe']>[0]) {
    return this.alerts.unsubscribeReport(target);
  }
  async alertReportList() {
    return this.alerts.reportList();
  }
  alertMute(...a: Parameters<Engine['alertMute']>) {
    return this.alerts.mute(...a);
  }
  alertUnmute(match: string) {
    return this.alerts.unmute(match);
  }
  async alertSilences() {
    return this.alerts.silenceList();
  }
  async alertGroups() {
    return this.alerts.groupList();
  }
  alertGroup(id: string) {
    return this.alerts.group(id);
  }
  async alertStatus() {
    return this.alerts.status();
  }
  addAlertSink(...a: Parameters<Engine['addAlertSink']>) {
    return this.alerts.addSink(...a);
  }
  alert(a: Parameters<Engine['alert']>[0]) {
    return this.alerts.adhoc(a);
  }

  accessList() {
    return this.access.list();
  }
  async accessGrant(subject: string, role: Parameters<Engine['accessGrant']>[1], actor: Actor) {
    const g = await this.access.grant(subject, role, actor);
    await this.journal.write([], [], [this.journal.event('info', 'access.granted', `${subject} is now ${role}`, actor, { subject, role })]);
    return g;
  }
  async accessRevoke(subject: string, actor: Actor) {
    const had = await this.access.revoke(subject);
    if (had) await this.journal.write([], [], [this.journal.event('info', 'access.revoked', `${subject} no longer has a role`, actor, { subject })]);
    return had;
  }

  // ------------------------------------------------------------ intake

  async startIntake(opts?: { listen?: string }): Promise<IntakeServer> {
    this.open();
    if (this.intake) throw new SmtpOpsError(ErrorCode.Conflict, 'the intake listener is already running');
    let server: IntakeServer;
    try {
      server = await this.launchIntake(opts);
    } catch (e) {
      // Mail from the API and the CLI still flows; the events log says why the listener is down.
      await this.alerts.record('error', 'intake.failed', `the SMTP listener did not start: ${(e as Error).message}`);
      throw e;
    }
    const state = { server, opts };
    this.intake = state;
    return {
      get host() {
        return state.server.host;
      },
      get port() {
        return state.server.port;
      },
      close: async () => {
        if (this.intake === state) this.intake = null;
        await state.server.close();
      },
    };
  }

  /** Settings a running listener depends on: a change restarts it. */
  private static readonly INTAKE_KEYS = new Set(['listen', 'hostname', 'intake-auth', 'intake-username', 'intake-password', 'intake-tls-cert', 'intake-tls-key', 'intake-max-size', 'intake-max-recipients', 'intake-max-connections', 'intake-allow-senders']);

  private async restartIntake(): Promise<void> {
    const state = this.intake;
    if (!state) return;
    await state.server.close();
    try {
      state.server = await this.launchIntake(state.opts);
    } catch (e) {
      this.intake = null;
      await this.alerts.record('error', 'intake.restart-failed', `the SMTP listener could not restart with the new settings and is down: ${(e as Error).message}`);
    }
  }

  private async launchIntake(opts?: { listen?: string }): Promise<IntakeServer> {
    const { startIntake } = await import('./intake/index.js');
    return startIntake(
      {
        submit: (input, actor) => this.submit(input, actor),
        settings: () => this.getSettings(),
        checkCredentials: async (user, pass) => {
          const stored = this.secrets.get('intake-password');
          const okUser = safeEqual(user, this.settings.intakeUsername);
          const okPass = stored !== undefined && safeEqual(pass, stored);
          return okUser && okPass;
        },
        recordEvent: (...a) => this.recordEvent(...a),
      },
      opts,
    );
  }

  kick(): void {
    this.worker.kick();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Stop taking mail before the store goes.
    await this.intake?.server.close().catch(() => undefined);
    this.intake = null;
    await this.worker.stop();
    await this.alerts.close();
    for (const d of [this.deliverer, ...this.retired]) await d?.close().catch(() => undefined);
    await this.store.close();
  }

  // ------------------------------------------------------------ internals

  private open(): void {
    if (this.closed) throw new SmtpOpsError(ErrorCode.Closed, 'the engine is closed');
  }

  private config() {
    return deliveryConfig(this.settings, this.secrets.get('sasl-password'), this.directPort, this.tlsCaPem);
  }

  private async currentDeliverer(): Promise<Deliverer> {
    if (!this.deliverer) {
      const factory = this.options.delivererFactory ?? createDeliverer;
      this.deliverer = factory(this.config(), this.resolver);
    }
    return this.deliverer;
  }

  /** One delivery attempt on the current deliverer (built from the current settings on first use). */
  private async deliver(req: DeliveryRequest): Promise<RecipientResult[]> {
    const d = await this.currentDeliverer();
    this.delivererUse.set(d, (this.delivererUse.get(d) ?? 0) + 1);
    try {
      return await d.deliver(req);
    } finally {
      const left = (this.delivererUse.get(d) ?? 1) - 1;
      if (left > 0) this.delivererUse.set(d, left);
      else {
        this.delivererUse.delete(d);
        if (this.retired.delete(d)) void d.close().catch(() => undefined);
      }
    }
  }

  /** Settings changed: new sends get a new deliverer; the old one closes when its sends are done. */
  private resetDeliverer(): void {
    const old = this.deliverer;
    this.deliverer = null;
    if (!old) return;
    if (this.delivererUse.has(old)) this.retired.add(old);
    else void old.close().catch(() => undefined);
  }

  private newId(now: number): string {
    if (now === this.ids.last) this.ids.seq++;
    else this.ids = { last: now, seq: 0 };
    return now.toString(36).padStart(9, '0') + this.ids.seq.toString(36).padStart(4, '0') + this.idSalt;
  }

  private async attempted(rec: QueueRecord, results: RecipientResult[]): Promise<void> {
    const log = await this.queue.complete(rec, results, this.settings);
    const sent = results.filter((r) => r.status === 'sent');
    const bounced = log.filter((e) => e.status === 'bounced' || e.status === 'expired');
    const deferred = log.filter((e) => e.status === 'deferred');
    const status = deferred.length > 0 ? 'deferred' : sent.length > 0 && bounced.length === 0 ? 'sent' : bounced.length > 0 && sent.length === 0 ? 'bounced' : 'sent';
    const outcome: AttemptOutcome = { id: rec.id, status, results, queued: deferred.length > 0 };
    // Events first: whoever waits on the outcome may look at the events next.
    await this.alerts.attempted({ id: rec.id, relay: this.relayLabel(), outcomes: outcomesOf(log, results) }, rec.source === 'alert');
    this.recent.set(rec.id, outcome);
    if (this.recent.size > RECENT_OUTCOMES) this.recent.delete(this.recent.keys().next().value as string);
    for (const w of this.waiters.get(rec.id) ?? []) w(outcome);
    this.waiters.delete(rec.id);
  }

  /** `host:port` of the relay in relay mode, null when sending direct. */
  private relayLabel(): string | null {
    const c = this.config();
    return c.relayHost ? `${c.relayHost}:${c.relayPort ?? 25}` : null;
  }

  /** Idempotency keys older than a week go (the outbox that uses them retries for minutes, not weeks). */
  private async pruneIdempotency(): Promise<void> {
    const old: Op[] = [];
    const cutoff = this.clock.now() - IDEMPOTENCY_MS;
    for await (const [k, v] of this.store.db.iterator({ gt: 'idem!', lt: 'idem!\xff' })) {
      if (((JSON.parse(v) as { at?: number }).at ?? 0) < cutoff) old.push({ type: 'del', key: k });
    }
    if (old.length) await this.store.commit(old);
  }
}

function checkRecipients(to: unknown, max: number): string[] {
  if (!Array.isArray(to) || to.length === 0) throw ValidationError.one('to', 'required', 'to must list at least one recipient address');
  if (to.length > max) throw ValidationError.one('to', 'max-recipients', `to may list at most ${max} recipients (intake-max-recipients); got ${to.length}`);
  const out: string[] = [];
  for (const t of to) {
    const v = typeof t === 'string' ? t.trim() : '';
    if (!isMailbox(v)) throw ValidationError.one('to', 'email', `every recipient must be an email address (got ${JSON.stringify(String(t).slice(0, 80))})`);
    out.push(v);
  }
  return out;
}

function publicItem(r: QueueRecord): QueueItem {
  const { messageId: _m, due: _d, client: _c, ...item } = r;
  void _m;
  void _d;
  void _c;
  return item;
}

async function readCa(path: string): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw ValidationError.one('tls-ca', 'file', `tls-ca must be a readable PEM file (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}: ${path})`);
  }
}

