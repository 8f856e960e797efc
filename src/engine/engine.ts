/**
 * `createEngine`: opens the store and wires the engine's units into the one
 * {@link Engine} facade. Each unit owns one concern; this file only connects
 * them and checks that the engine is open:
 *
 * - settings/state.ts: the settings in force, their secrets and CA
 * - submit.ts: mail handed in, validated and queued
 * - queue/: the durable queue and the delivery worker
 * - delivery/deliveries.ts: attempts on the current deliverer (DKIM-signed when configured), outcomes
 * - intake/control.ts: the SMTP listener's lifecycle
 * - journal.ts, logs/: the mail log and the event log (logs/rate-limited-events.ts: the engine's system events)
 * - dkim/keys.ts: `dkim keygen` and the record to publish
 * - alerts/: every failure an event (failure-events.ts), alert groups, the durable outbox, silences, report subscriptions
 * - access.ts, reports/, doctor/
 * - health.ts: the store and worker checks of `/healthz`
 */
import { mkdir } from 'node:fs/promises';
import type { Clock, Engine, EngineHealth, EngineOptions, IntakeServer, JournalListener } from './facade.js';
import type { Actor, AttemptOutcome, AttemptTally, QueueFilter, QueueQuery, DkimRecord, DnsResolver, DoctorOptions, EventEntry, EventLevel, FlushOptions, FlushResult, ProgressFn, QueueItem, SettingsPatch, SettingsView, SubmitInput, SubmitResult } from './types.js';
import { ErrorCode, SmtpOpsError } from './errors.js';
import { Store } from './store.js';
import { SecretBox } from './secrets.js';
import { SettingsState } from './settings/state.js';
import { restartsFor } from './settings/table.js';
import { readHeaders } from './compose.js';
import { Journal } from './journal.js';
import { QueueIds } from './ids.js';
import { Submissions } from './submit.js';
import { Queue, type QueueRecord } from './queue/queue.js';
import { Worker } from './queue/worker.js';
import { Deliveries } from './delivery/deliveries.js';
import { tallyOf, type AttemptWatch } from './delivery/attempt-watch.js';
import { flushedIds, queueProbe } from './delivery/flush-wait.js';
import { checkFilter, countMatching, filterText, isFiltered, pageMatching, scanMatching } from './queue/filter.js';
import { createDeliverer } from './delivery/index.js';
import { directPortFromEnv, resolverFromEnv } from './delivery/dns.js';
import { IntakeControl } from './intake/control.js';
import { RateLimitedEvents } from './logs/rate-limited-events.js';
import { listLog } from './logs/maillog.js';
import { checkEvent, listEvents } from './logs/events.js';
import { AlertService } from './alerts/index.js';
import { placeOf } from './alerts/kinds.js';
import { Access } from './access.js';
import { Health } from './health.js';
import { createReports } from './reports/index.js';
import { summarizeQueue } from './queue/summary.js';
import { dkimConfigOf } from './dkim/signer.js';
import { DkimKeys } from './dkim/keys.js';
import type { DailyReport, ReportQuery, Reports } from './reports/types.js';

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Open the store and start the engine (and its delivery worker unless `worker: false`). */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const clock = options.clock ?? systemClock;
  await mkdir(options.storeDir, { recursive: true });
  const box = await SecretBox.load(options.storeDir, options.secretKey);
  const store = await Store.open(options.storeDir);
  try {
    return await wire(store, box, clock, options);
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** The units, built in the order they depend on each other. */
async function wire(store: Store, box: SecretBox, clock: Clock, options: EngineOptions): Promise<EngineImpl> {
  const journal = new Journal(store, clock);
  const settings = await SettingsState.load(store, box, journal);
  // Connections the listener counts reach the disk in a batch of their own when no mail is logged.
  const reports = createReports({ db: store.db, now: () => clock.now(), requestBatch: () => journal.commit({}) });
  await reports.open();
  journal.useReports(reports);
  const report = (q: ReportQuery): Promise<DailyReport> => reports.build(q, { timezone: settings.current.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', now: clock.now() });
  // Rate limited per code and the place the alert kinds name (relay, domain, ...).
  const events = new RateLimitedEvents(journal, clock, placeOf);
  const queue = await Queue.open(store, journal, clock);
  const alerts = await AlertService.open({
    store,
    clock,
    events,
    settings: () => settings.current,
    queueCounts: () => queue.getCounts(null),
    report: (day) => report({ day }),
    log: (m) => console.error(`smtp-ops: ${m}`),
  });
  journal.listen((_log, evs) => alerts.observeEvents(evs));
  const resolver = options.resolver ?? resolverFromEnv();
  const directPort = options.directPort ?? directPortFromEnv();
  const factory = options.delivererFactory ?? createDeliverer;
  const deliveries = new Deliveries({
    queue,
    events,
    settings: () => settings.current,
    build: () => factory(settings.deliveryConfig(directPort), resolver),
    dkim: () => dkimConfigOf(settings.current, settings.dkimKey()),
    attempted: (facts, alertMail) => alerts.attempted(facts, alertMail),
  });
  const worker = new Worker({
    queue,
    clock,
    settings: () => settings.current,
    deliver: (req) => deliveries.deliver(req),
    body: (id) => queue.body(id),
    attempted: (rec, results) => deliveries.attempted(rec, results),
    disabled: () => void events.record('warning', 'smtp.disabled', 'SMTP disabled: mail is queued but not sent (config set enabled=on to send)'),
    fault: (err) => void events.record('error', 'engine.fault', `delivery worker error: ${(err as Error).message}`),
    pollMs: options.pollMs ?? 30_000,
  });
  const submissions = new Submissions({ store, queue, journal, clock, ids: new QueueIds(), settings: () => settings.current, kick: () => worker.kick() });
  const health = new Health({ store, dir: options.storeDir, clock, worker, workerStarted: options.worker !== false });
  const engine = new EngineImpl(store, { clock, journal, settings, reports, report, alerts, access: new Access(store, journal, clock), events, queue, worker, deliveries, submissions, health, resolver, directPort });
  await submissions.pruneIdempotency();
  if (options.worker !== false) worker.start();
  if (options.alerts ?? options.worker !== false) alerts.start();
  return engine;
}

interface Units {
  clock: Clock;
  journal: Journal;
  settings: SettingsState;
  reports: Reports;
  /** A day's (or days') report in the report time zone. */
  report(q: ReportQuery): Promise<DailyReport>;
  alerts: AlertService;
  access: Access;
  events: RateLimitedEvents;
  queue: Queue;
  worker: Worker;
  deliveries: Deliveries;
  submissions: Submissions;
  health: Health;
  resolver: DnsResolver;
  directPort: number;
}

/** The facade: each method hands over to the unit that owns it. */
class EngineImpl implements Engine {
  private closed = false;
  private readonly intake: IntakeControl;
  private readonly dkim: DkimKeys;

  constructor(
    private readonly store: Store,
    private readonly u: Units,
  ) {
    this.intake = new IntakeControl(
      {
        submit: (input, actor) => this.submit(input, actor),
        settings: () => this.getSettings(),
        checkCredentials: async (user, pass) => u.settings.checkIntakeCredentials(user, pass),
        recordEvent: (...a) => this.recordEvent(...a),
        connection: (ev) => u.reports.connection(ev),
      },
      u.events,
    );
    this.dkim = new DkimKeys({ settings: u.settings, journal: u.journal, clock: u.clock, update: (patch, actor) => this.updateSettings(patch, actor) });
  }

  // ------------------------------------------------------------ settings

  async getSettings(): Promise<SettingsView> {
    return this.u.settings.view();
  }

  async updateSettings(patch: SettingsPatch, actor: Actor): Promise<SettingsView> {
    this.open();
    const changed = await this.u.settings.update(patch, actor);
    const restarts = restartsFor(changed);
    // New sends use the new deliverer at once; the listener's restart may wait for its sessions.
    if (restarts.has('deliverer')) this.u.deliveries.reset();
    this.u.worker.kick();
    if (restarts.has('intake')) await this.intake.restart();
    return this.getSettings();
  }

  // ------------------------------------------------------------ mail

  async submit(input: SubmitInput, actor?: Actor): Promise<SubmitResult> {
    this.open();
    return this.u.submissions.submit(input, actor);
  }

  async sendTest(address: string, actor: Actor): Promise<SubmitResult> {
    this.open();
    return this.u.submissions.sendTest(address, actor, await this.getSettings());
  }

  waitForAttempt(id: string, timeoutMs = 120_000): Promise<AttemptOutcome> {
    return this.u.deliveries.waitForAttempt(id, timeoutMs);
  }

  // ------------------------------------------------------------ queue

  async queueCounts() {
    return this.u.queue.getCounts(await this.u.queue.oldest());
  }

  async queueList(q: Parameters<Engine['queueList']>[0] = {}) {
    const f = checkFilter(q);
    const now = this.u.clock.now();
    const list = (x: QueueQuery) => this.u.queue.list(x);
    const filtered = f.domain !== undefined || f.to !== undefined || f.from !== undefined || f.olderThan !== undefined;
    const page = filtered ? await pageMatching(list, q, now) : await this.u.queue.list(q);
    let total: { total?: number } = {};
    if (q.count) {
      // The queue keeps its counts by state: a total costs nothing unless a filter must read the messages.
      const counts = this.u.queue.getCounts(null);
      total = { total: filtered ? (await countMatching(list, f, now)).count : f.state ? counts[f.state] : counts.total };
    }
    return { ...page, ...total, items: page.items.map((r) => publicItem(r as QueueRecord)) };
  }

  async queueMatch(filter: QueueFilter) {
    return countMatching((x) => this.u.queue.list(x), checkFilter(filter), this.u.clock.now());
  }

  async queueSummary(q: Parameters<Engine['queueSummary']>[0] = {}) {
    const { limit, ...filter } = q;
    const f = checkFilter(filter);
    const list = (x: QueueQuery) => this.queueList(x);
    return summarizeQueue(list, this.u.clock.now(), limit, f);
  }


  async queueShow(id: string) {
    const rec = await this.u.queue.get(id);
    const raw = await this.u.queue.body(id);
    const headers = raw ? readHeaders(raw) : {};
    return { ...publicItem(rec), headers };
  }

  // The queue's events are worded here until the queue records its own.

  async queueFlush(actor: Actor, onProgress?: ProgressFn, opts: FlushOptions = {}): Promise<FlushResult> {
    this.open();
    if (opts.filter && isFiltered(opts.filter)) return this.flushMatching(checkFilter(opts.filter), actor, onProgress, opts);
    const { journal, queue } = this.u;
    // The watch first, then the ids: no attempt of a flushed message can end unheard in between.
    const watch = opts.wait ? this.u.deliveries.watch() : null;
    try {
      const ids = watch ? await flushedIds(queue) : null;
      const count = await queue.flush(onProgress);
      const disabled = !this.u.settings.current.enabled;
      await journal.record(journal.event('info', 'queue.flushed', `queue flushed: ${count} message(s) due now${disabled ? ' (SMTP is disabled: nothing will be sent until enabled=on)' : ''}`, actor, { count }));
      this.u.worker.kick();
      if (!watch || !ids) return { count, disabled };
      return { count, disabled, attempts: await this.waitFor(watch, ids, disabled, onProgress, opts.signal) };
    } finally {
      watch?.close();
    }
  }

  /** The messages a filter selects, a batch at a time (oldest first), with progress over the index it reads. */
  private async eachMatching(f: QueueFilter, label: string, onProgress: ProgressFn | undefined, each: (batch: QueueItem[]) => Promise<void>): Promise<number> {
    const counts = this.u.queue.getCounts(null);
    const total = f.state ? counts[f.state] : counts.total;
    let done = 0;
    let seen = 0;
    let read = 0;
    onProgress?.({ done, total, label });
    // What was queued when it started: ids grow with time, so the newest id now bounds the scan.
    const [newest] = (await this.u.queue.list({ limit: 1, order: 'newest' })).items;
    if (!newest) return 0;
    await scanMatching((x) => this.u.queue.list(x), f, this.u.clock.now(), async (batch, n) => {
      seen += batch.length;
      read += n;
      if (batch.length) await each(batch);
      // Progress over the messages looked at: a filter matching few still moves the bar.
      done = Math.min(total, read);
      onProgress?.({ done, total, label });
    }, newest.id);
    onProgress?.({ done: total, total, label });
    return seen;
  }

  /** A flush of the messages a filter selects (postqueue -s): those queued or deferred become due now. */
  private async flushMatching(f: QueueFilter, actor: Actor, onProgress: ProgressFn | undefined, opts: FlushOptions): Promise<FlushResult> {
    const { journal, queue } = this.u;
    const watch = opts.wait ? this.u.deliveries.watch() : null;
    try {
      const ids = new Set<string>();
      let count = 0;
      await this.eachMatching(f, 'flushing', onProgress, async (batch) => {
        const flushable = batch.filter((m) => m.state === 'queued' || m.state === 'deferred' || m.state === 'sending').map((m) => m.id);
        for (const id of flushable) ids.add(id);
        count += await queue.flushIds(flushable);
      });
      const disabled = !this.u.settings.current.enabled;
      await journal.record(journal.event('info', 'queue.flushed', `queue flushed (${filterText(f)}): ${count} message(s) due now${disabled ? ' (SMTP is disabled: nothing will be sent until enabled=on)' : ''}`, actor, { count, filter: { ...f } }));
      this.u.worker.kick();
      if (!watch) return { count, disabled };
      return { count, disabled, attempts: await this.waitFor(watch, ids, disabled, onProgress, opts.signal) };
    } finally {
      watch?.close();
    }
  }

  /** Run the worker here if it is not running, and wait for the attempts of `ids` (none when SMTP is disabled). */
  private async waitFor(watch: AttemptWatch, ids: Set<string>, disabled: boolean, onProgress?: ProgressFn, signal?: AbortSignal): Promise<AttemptTally> {
    if (disabled) return tallyOf([...ids].map(() => undefined));
    this.u.worker.start();
    return watch.until(ids, queueProbe(this.u.queue, () => this.u.settings.current, this.u.clock), { onProgress, signal });
  }

  async queueDeleteAll(actor: Actor, onProgress?: ProgressFn, filter?: QueueFilter) {
    this.open();
    const { journal, queue } = this.u;
    if (filter && isFiltered(filter)) {
      const f = checkFilter(filter);
      let count = 0;
      await this.eachMatching(f, 'deleting', onProgress, async (batch) => {
        count += await queue.deleteIds(batch.map((m) => m.id), actor, ` (queue delete: ${filterText(f)})`);
      });
      await journal.record(journal.event('warning', 'queue.deleted', `queue deleted (${filterText(f)}): ${count} message(s) removed`, actor, { count, filter: { ...f }, logged: true }), [], { sync: true });
      return { count };
    }
    const count = await queue.deleteAll(onProgress);
    await journal.record(journal.event('warning', 'queue.deleted', `queue deleted: ${count} message(s) removed`, actor, { count }), [], { sync: true });
    return { count };
  }

  async queueDelete(id: string, actor: Actor) {
    this.open();
    const { journal, queue } = this.u;
    await queue.deleteOne(id, actor, (r) => journal.event('info', 'queue.message-deleted', `message ${id} deleted (from ${r.from || '<>'} to ${r.to.join(', ')})`, actor, { id, count: 1 }));
  }

  async queueHoldAll(filter: QueueFilter, actor: Actor, onProgress?: ProgressFn) {
    this.open();
    const { journal, queue } = this.u;
    const f = checkFilter(filter);
    let count = 0;
    await this.eachMatching(f, 'holding', onProgress, async (batch) => {
      count += await queue.holdIds(batch.filter((m) => m.state === 'queued' || m.state === 'deferred').map((m) => m.id));
    });
    await journal.record(journal.event('info', 'queue.held', `queue held (${filterText(f)}): ${count} message(s) held`, actor, { count, filter: { ...f } }));
    return { count };
  }

  async queueReleaseAll(filter: QueueFilter, actor: Actor, onProgress?: ProgressFn, opts: FlushOptions = {}): Promise<FlushResult> {
    this.open();
    const { journal, queue } = this.u;
    const f = checkFilter({ ...filter, state: 'held' });
    const watch = opts.wait ? this.u.deliveries.watch() : null;
    try {
      const ids = new Set<string>();
      let count = 0;
      await this.eachMatching(f, 'releasing', onProgress, async (batch) => {
        const held = batch.map((m) => m.id);
        count += await queue.releaseIds(held);
        for (const id of held) ids.add(id);
      });
      await journal.record(journal.event('info', 'queue.released', `queue released (${filterText(f)}): ${count} message(s) due now`, actor, { count, filter: { ...f } }));
      this.u.worker.kick();
      const disabled = !this.u.settings.current.enabled;
      if (!watch) return { count, disabled };
      return { count, disabled, attempts: await this.waitFor(watch, ids, disabled, onProgress, opts.signal) };
    } finally {
      watch?.close();
    }
  }

  async queueHold(id: string, actor: Actor) {
    this.open();
    const { journal, queue } = this.u;
    await queue.hold(id, journal.event('info', 'queue.held', `message ${id} held`, actor, { id }));
  }

  async queueRelease(id: string, actor: Actor, opts: FlushOptions = {}): Promise<FlushResult> {
    this.open();
    const { journal, queue } = this.u;
    const watch = opts.wait ? this.u.deliveries.watch() : null;
    try {
      await queue.release(id, journal.event('info', 'queue.released', `message ${id} released`, actor, { id }));
      this.u.worker.kick();
      const disabled = !this.u.settings.current.enabled;
      if (!watch) return { count: 1, disabled };
      return { count: 1, disabled, attempts: await this.waitFor(watch, new Set([id]), disabled, undefined, opts.signal) };
    } finally {
      watch?.close();
    }
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
    checkEvent(level, code);
    const e = this.u.journal.event(level, code, String(message).slice(0, 2000), actor, data);
    await this.u.journal.record(e);
    return e;
  }

  // ------------------------------------------------------------ reports, doctor

  async report(q: Parameters<Engine['report']>[0]) {
    return this.u.report(q);
  }

  async doctor(opts: DoctorOptions = {}) {
    const { runDoctor, doctorRecipient } = await import('./doctor/index.js');
    const settings = await this.getSettings();
    const to = doctorRecipient(opts.to, settings.fromAddress);
    const { clock } = this.u;
    const events = async () => (await listEvents(this.store, { minLevel: 'warning', limit: 50 })).items.filter((e) => clock.now() - e.time < 86_400_000);
    const queue = async () => ({ counts: await this.queueCounts(), deferred: (await this.queueList({ state: 'deferred', limit: 200 })).items });
    const config = this.u.settings.deliveryConfig(this.u.directPort);
    return runDoctor({ settings, config, resolver: this.u.resolver, dkimKey: this.u.settings.dkimKey(), events, queue, to, now: () => clock.now() }, opts.onProgress);
  }

  // ------------------------------------------------------------ dkim

  async dkimKeygen(opts: Parameters<Engine['dkimKeygen']>[0], actor: Actor): Promise<DkimRecord> {
    this.open();
    return this.dkim.keygen(opts, actor);
  }

  async dkimRecord(): Promise<DkimRecord | null> {
    return this.dkim.record();
  }

  // ------------------------------------------------------------ alerts, access

  alertSubscribe(...a: Parameters<Engine['alertSubscribe']>) {
    return this.u.alerts.subscribe(...a);
  }
  alertUnsubscribe(target: Parameters<Engine['alertUnsubscribe']>[0]) {
    return this.u.alerts.unsubscribe(target);
  }
  async alertList() {
    return this.u.alerts.list();
  }
  alertReportSubscribe(...a: Parameters<Engine['alertReportSubscribe']>) {
    return this.u.alerts.subscribeReport(...a);
  }
  alertReportUnsubscribe(target: Parameters<Engine['alertReportUnsubscribe']>[0]) {
    return this.u.alerts.unsubscribeReport(target);
  }
  async alertReportList() {
    return this.u.alerts.reportList();
  }
  alertMute(...a: Parameters<Engine['alertMute']>) {
    return this.u.alerts.mute(...a);
  }
  alertUnmute(match: string) {
    return this.u.alerts.unmute(match);
  }
  async alertSilences() {
    return this.u.alerts.silenceList();
  }
  async alertGroups() {
    return this.u.alerts.groupList();
  }
  alertGroup(id: string) {
    return this.u.alerts.group(id);
  }
  async alertStatus() {
    return this.u.alerts.status();
  }
  addAlertSink(...a: Parameters<Engine['addAlertSink']>) {
    return this.u.alerts.addSink(...a);
  }
  alert(a: Parameters<Engine['alert']>[0]) {
    return this.u.alerts.adhoc(a);
  }

  accessList() {
    return this.u.access.list();
  }
  accessGrant(subject: string, role: Parameters<Engine['accessGrant']>[1], actor: Actor) {
    return this.u.access.grant(subject, role, actor);
  }
  accessRevoke(subject: string, actor: Actor) {
    return this.u.access.revoke(subject, actor);
  }

  // ------------------------------------------------------------ intake, lifecycle

  async startIntake(opts?: { listen?: string }): Promise<IntakeServer> {
    this.open();
    return this.intake.start(opts);
  }

  // ------------------------------------------------------------ observability

  onJournal(listener: JournalListener): () => void {
    return this.u.journal.listen(listener);
  }

  health(): Promise<EngineHealth> {
    return this.u.health.check(this.closed);
  }

  async alertBacklog(): Promise<number> {
    return this.u.alerts.outboxBacklog();
  }

  kick(): void {
    this.u.worker.kick();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Stop taking mail before the store goes.
    await this.intake.close();
    await this.u.worker.stop();
    // The last attempts' events are in; alerting writes what it holds, then the summaries still pending.
    await this.u.alerts.close();
    await this.u.events.close();
    await this.u.deliveries.close();
    // Connections counted since the last batch, and report caches being written.
    await this.u.reports.close();
    await this.store.close();
  }

  private open(): void {
    if (this.closed) throw new SmtpOpsError(ErrorCode.Closed, 'the engine is closed');
  }
}

function publicItem(r: QueueRecord): QueueItem {
  const { messageId: _m, due: _d, client: _c, body: _b, smtputf8: _u, ...item } = r;
  void _m;
  void _d;
  void _c;
  void _b;
  void _u;
  return item;
}
