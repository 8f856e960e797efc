/**
 * A recording stand-in for the engine side of the intake seam (`IntakeDeps`):
 * for protocol tests of the listener. Durability and store failures are tested
 * against the real engine (test/engine/intake/durability.test.ts).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IntakeDeps } from '../../src/engine/intake/index.js';
import type { Actor, EventLevel, SettingsView } from '../../src/engine/index.js';

export interface RecordedSubmit {
  from: string;
  to: string[];
  raw: Buffer;
  client?: string;
  actor: Actor;
}

export interface RecordedEvent {
  level: EventLevel;
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/** Settings as the engine's defaults would give them, intake off limits unless overridden. */
export function intakeSettings(over: Partial<SettingsView> = {}): SettingsView {
  return {
    enabled: true,
    useTls: false,
    tlsImplicit: 'auto',
    hostname: 'smtp-ops.test',
    fromName: 'smtp-ops',
    fromAddress: 'noreply@smtp-ops.test',
    relayHost: '127.0.0.1',
    relayPort: 10025,
    sasl: false,
    saslUsername: '',
    tlsCa: '',
    tlsVerify: true,
    timezone: 'UTC',
    retryFirst: 300,
    retryMax: 3600,
    maxQueueLifetime: 432000,
    concurrency: 4,
    listen: '127.0.0.1:0',
    intakeAuth: false,
    intakeUsername: '',
    intakeTlsCert: '',
    intakeTlsKey: '',
    intakeMaxSize: 0,
    intakeMaxRecipients: 0,
    intakeMaxConnections: 0,
    intakeAllowSenders: '',
    saslPassword: '(not set)',
    intakePassword: '(not set)',
    tlsMode: 'none',
    route: 'relay 127.0.0.1:10025',
    ...over,
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Deps that keep what they were given; `password` is the accepted intake password. */
export function recordingIntakeDeps(over: Partial<SettingsView> = {}, password = 'intake-secret') {
  const submitted: RecordedSubmit[] = [];
  const events: RecordedEvent[] = [];
  const settings = intakeSettings(over);
  let seq = 0;
  const deps: IntakeDeps = {
    async submit(input, actor) {
      submitted.push({ from: input.from, to: input.to, raw: input.raw, client: input.client, actor });
      seq += 1;
      return { id: `Q${seq}`, messageId: `<q${seq}@smtp-ops.test>` };
    },
    async settings() {
      return settings;
    },
    async checkCredentials(username, pw) {
      return username === settings.intakeUsername && timingSafeEqual(digest(pw), digest(password));
    },
    async recordEvent(level, code, message, _actor, data) {
      events.push({ level, code, message, data });
      return { key: String(events.length), time: Date.now(), level, code, message, actor: 'system', data };
    },
  };
  return { deps, submitted, events };
}
