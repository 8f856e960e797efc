/**
 * Test set-up for the Slack adapter: the fake Slack on loopback, a real engine
 * on a temp store, the real runner, and the adapter started through Bolt in
 * HTTP or Socket Mode. Users act through the fake (slash commands, button
 * presses, modal submissions) exactly as Slack would deliver them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogLevel, type Logger } from '@slack/bolt';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/index.js';
import { createRunner } from '../../../src/commands/run.js';
import type { Reply, RunContext } from '../../../src/commands/reply.js';
import type { Runner } from '../../../src/commands/types.js';
import { startSlackApp, type SlackHandle, type SlackStartOptions } from '../../../src/adapters/slack/index.js';
import { FakeSlack, type FakeMessage, type FakeUser } from '../../doubles/slack/fake-slack.js';
import { HttpDriver, SocketDriver, type Delivered, type SlackDriver } from '../../doubles/slack/drivers.js';

type Json = Record<string, any>;

export const SIGNING_SECRET = 'fake-signing-secret-0123456789';
export const ADMIN: FakeUser = { id: 'UADMIN', name: 'ada' };
export const OPERATOR: FakeUser = { id: 'UOPER', name: 'otto' };
export const VIEWER: FakeUser = { id: 'UVIEW', name: 'vera' };
export const STRANGER: FakeUser = { id: 'USTRANGE', name: 'sam' };

/** The real runner, counting how often the adapter called it (to prove a handler never ran). */
export interface CountingRunner extends Runner {
  calls: { run: number; action: number; secret: number };
}

function counting(inner: Runner): CountingRunner {
  const calls = { run: 0, action: 0, secret: 0 };
  return {
    calls,
    commands: inner.commands,
    roleOf: (a) => inner.roleOf(a),
    run: (t: string, c: RunContext): Promise<Reply> => (calls.run++, inner.run(t, c)),
    action: (t: string, c: RunContext): Promise<Reply> => (calls.action++, inner.action(t, c)),
    secret: (f: string, v: string, c: RunContext): Promise<Reply> => (calls.secret++, inner.secret(f, v, c)),
  };
}

/** A Bolt logger that keeps every line, so tests can check what was (not) logged. */
export function capturingLogger(lines: string[]): Logger {
  let level = LogLevel.DEBUG;
  const put = (l: string) => (...msg: unknown[]) => void lines.push(`${l} ${msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ')}`);
  return {
    debug: put('debug'),
    info: put('info'),
    warn: put('warn'),
    error: put('error'),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}

export interface HarnessOptions {
  mode: 'http' | 'socket';
  /** Open this store (kept on close) instead of a fresh one. */
  storeDir?: string;
  /** Use this fake Slack (kept on close) instead of a new one. */
  fake?: FakeSlack;
  /** Runner clock (action token expiry). */
  now?: () => number;
  engine?: Partial<EngineOptions>;
  start?: SlackStartOptions;
}

export class Harness {
  readonly logs: string[] = [];
  driver!: SlackDriver;
  handle!: SlackHandle;

  private constructor(
    readonly fake: FakeSlack,
    readonly engine: Engine,
    readonly runner: CountingRunner,
    private readonly dir: string,
  ) {}

  private ownsStore = true;
  private ownsFake = true;

  static async start(o: HarnessOptions): Promise<Harness> {
    const fake = o.fake ?? (await FakeSlack.start());
    const dir = o.storeDir ?? (await mkdtemp(join(tmpdir(), 'smtp-ops-slack-')));
    const engine = await createEngine({ storeDir: dir, worker: false, alerts: true, ...o.engine });
    const runner = counting(createRunner(engine, { env: { SMTP_OPS_ADMINS: `slack:${ADMIN.id},discord:999` }, now: o.now }));
    const h = new Harness(fake, engine, runner, dir);
    h.ownsStore = o.storeDir === undefined;
    h.ownsFake = o.fake === undefined;
    h.handle = await startSlackApp(
      engine,
      runner,
      {
        botToken: fake.botToken,
        appToken: o.mode === 'socket' ? fake.appToken : undefined,
        signingSecret: o.mode === 'http' ? SIGNING_SECRET : undefined,
        port: 0,
        host: '127.0.0.1',
        apiUrl: fake.apiUrl,
      },
      { retries: 0, logger: capturingLogger(h.logs), progressIntervalMs: 20, ...o.start },
    );
    if (o.mode === 'socket') {
      await fake.waitForSocket();
      h.driver = new SocketDriver(fake);
    } else {
      h.driver = new HttpDriver(`http://127.0.0.1:${h.handle.port}/slack/events`, SIGNING_SECRET);
    }
    return h;
  }

  get http(): HttpDriver {
    if (!(this.driver instanceof HttpDriver)) throw new Error('not an HTTP harness');
    return this.driver;
  }

  /** `user` types `/smtp <text>` in `channel`; resolves with the response URL and what the app acked. */
  async slash(user: FakeUser, text: string, channel = 'C0OPS'): Promise<{ responseUrl: string; delivered: Delivered }> {
    const form = this.fake.slashCommand(user, text, channel);
    const delivered = await this.driver.slash(form);
    return { responseUrl: form.response_url, delivered };
  }

  /** The `n`th message (1-based) posted through a response URL, once it is there. */
  posted(responseUrl: string, n = 1): Promise<FakeMessage> {
    return this.fake.waitFor(() => this.fake.postedTo(responseUrl)[n - 1], 5000, `message ${n} on ${responseUrl}`);
  }

  /** Run a slash command and resolve with the reply message the requester sees. */
  async command(user: FakeUser, text: string, channel?: string): Promise<FakeMessage> {
    const { responseUrl } = await this.slash(user, text, channel);
    return this.posted(responseUrl);
  }

  /** `user` presses a button of `message`; resolves with the press payload (its response_url) and the ack. */
  async press(user: FakeUser, message: FakeMessage, pick: (b: Json) => boolean): Promise<{ payload: Json; delivered: Delivered }> {
    const payload = this.fake.buttonPress(user, message, pick);
    return { payload, delivered: await this.driver.interactive(payload) };
  }

  /** The store directory (to open it again after close, as a restarted `serve` would). */
  get storeDir(): string {
    return this.dir;
  }

  async close(): Promise<void> {
    await this.handle?.stop();
    // Socket Mode: let the client see the close before the fake goes (no reconnect timer left behind).
    await this.fake.waitForSocketsClosed();
    if (this.ownsFake) await this.fake.stop();
    await this.engine.close();
    if (this.ownsStore) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Button pickers. */
export const byActionId = (id: string) => (b: Json) => b.action_id === id;
/** A runner action button of a kind (`confirm`, `cancel`, `page-next`, `page-prev`). */
export const byKind = (kind: string) => (b: Json) => typeof b.action_id === 'string' && b.action_id.startsWith(`smtp.action.${kind}.`);
export const byLabel = (label: string) => (b: Json) => b.text?.text === label;

/** All text of a message's blocks, for loose assertions. */
export function textOf(m: FakeMessage): string {
  return JSON.stringify(m.blocks);
}
