/**
 * Entry of the Slack adapter: `startSlack(engine, runner, env)` starts Bolt in
 * Socket Mode (SLACK_APP_TOKEN) or with its HTTP receiver (SLACK_PORT,
 * SLACK_SIGNING_SECRET), or returns null when SLACK_BOT_TOKEN is unset.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel, type Logger } from '@slack/bolt';
import type { Engine } from '../../engine/index.js';
import type { ChartReply } from '../../commands/reply.js';
import { chartPng } from '../../commands/render/chart-image.js';
import type { Runner } from '../../commands/types.js';
import { attachSlackAdapter } from './adapter.js';
import { redactingLogger } from './log.js';
import { type SlackConfig, slackConfigFromEnv } from './config.js';

export { slackConfigFromEnv, type SlackConfig } from './config.js';

/** A running Slack adapter. */
export interface SlackHandle {
  mode: 'socket' | 'http';
  /** HTTP receiver port (resolved when 0 was asked); undefined in Socket Mode. */
  port?: number;
  /** Stop receiving, finish replies already acknowledged (bounded), unregister the alert sink. */
  stop(): Promise<void>;
}

/** Knobs that are not environment settings (tests, embedding). */
export interface SlackStartOptions {
  /** Web API retries (default: the Web API client's own policy). */
  retries?: number;
  logger?: Logger;
  logLevel?: LogLevel;
  progressIntervalMs?: number;
  /** PNG renderer for shared charts (default: the reports module's `chartPng`). */
  chartPng?: (c: ChartReply) => Buffer;
  /** ms `stop()` waits for replies under way (default 10 000). */
  drainMs?: number;
}

/** Start the adapter from explicit settings. */
export async function startSlackApp(engine: Engine, runner: Runner, config: SlackConfig, opts: SlackStartOptions = {}): Promise<SlackHandle> {
  const clientOptions = {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
    ...(opts.retries !== undefined ? { retryConfig: { retries: opts.retries } } : {}),
  };
  const common = {
    token: config.botToken,
    clientOptions,
    deferInitialization: true,
    logger: redactingLogger(opts.logger, opts.logLevel ?? LogLevel.INFO),
  };
  const socket = Boolean(config.appToken);
  const app = socket
    ? new App({ ...common, socketMode: true, appToken: config.appToken })
    : new App({ ...common, signingSecret: config.signingSecret, processBeforeResponse: false });
  // auth.test: a bad token fails here, before anything is registered.
  await app.init();

  const adapter = attachSlackAdapter(app, {
    engine,
    runner,
    logger: app.logger,
    chartPng: opts.chartPng ?? ((c) => chartPng(c)),
    progressIntervalMs: opts.progressIntervalMs,
  });

  let port: number | undefined;
  try {
    if (socket) await app.start();
    else {
      const server = (await app.start({ port: config.port, host: config.host })) as Server;
      port = (server.address() as AddressInfo).port;
    }
  } catch (e) {
    adapter.dispose();
    throw e;
  }

  let stopped: Promise<void> | null = null;
  return {
    mode: socket ? 'socket' : 'http',
    port,
    stop() {
      stopped ??= (async () => {
        await app.stop();
        await adapter.drain(opts.drainMs ?? 10_000);
        adapter.dispose();
      })();
      return stopped;
    },
  };
}

/**
 * Start the Slack adapter when configured. Returns null without SLACK_BOT_TOKEN;
 * throws a ValidationError naming the variable when the configuration is wrong.
 */
export async function startSlack(engine: Engine, runner: Runner, env: NodeJS.ProcessEnv): Promise<SlackHandle | null> {
  const config = slackConfigFromEnv(env);
  if (!config) return null;
  return startSlackApp(engine, runner, config);
}
