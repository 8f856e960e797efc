/** Small parts of the Slack adapter: env config, slash text, log redaction, the manifest. */
import { describe, expect, test } from 'vitest';
import { slackConfigFromEnv } from '../../../src/adapters/slack/config.js';
import { startSlack } from '../../../src/adapters/slack/index.js';
import { redactInputs, redactingLogger } from '../../../src/adapters/slack/log.js';
import { splitShare, unescapeSlackText } from '../../../src/adapters/slack/text.js';
import type { Engine } from '../../../src/engine/index.js';
import type { Runner } from '../../../src/commands/types.js';
import { capturingLogger } from './harness.js';

describe('configuration from the environment', () => {
  test('no SLACK_BOT_TOKEN: not configured, startSlack returns null', async () => {
    expect(slackConfigFromEnv({})).toBeNull();
    // Nothing is touched when not configured.
    expect(await startSlack({} as Engine, {} as Runner, {})).toBeNull();
  });

  test('HTTP receiver needs the signing secret, naming the variable', () => {
    expect(() => slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET is required/);
  });

  test('Socket Mode with an app token; defaults', () => {
    expect(slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).toEqual({ botToken: 'xoxb-1', appToken: 'xapp-1', signingSecret: undefined, port: 3000, host: undefined, apiUrl: undefined });
    expect(() => slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' })).toThrow(/SLACK_APP_TOKEN must be an app-level token/);
  });

  test('port and API URL are checked; the URL gets its trailing slash', () => {
    const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
    expect(() => slackConfigFromEnv({ ...base, SLACK_PORT: '70000' })).toThrow(/SLACK_PORT must be a whole number from 0 to 65535 \(got "70000"\)/);
    expect(() => slackConfigFromEnv({ ...base, SLACK_PORT: 'abc' })).toThrow(/SLACK_PORT/);
    expect(() => slackConfigFromEnv({ ...base, SLACK_API_URL: 'ftp://x' })).toThrow(/SLACK_API_URL must be an http\(s\) URL/);
    expect(slackConfigFromEnv({ ...base, SLACK_PORT: '0', SLACK_API_URL: 'http://127.0.0.1:9/api', SLACK_HOST: '127.0.0.1' })).toMatchObject({ port: 0, apiUrl: 'http://127.0.0.1:9/api/', host: '127.0.0.1' });
  });

  test('errors never contain the tokens', () => {
    try {
      slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-secret-value', SLACK_APP_TOKEN: 'nope-secret' });
    } catch (e) {
      expect(String(e)).not.toContain('nope-secret');
      expect(String(e)).not.toContain('xoxb-secret-value');
    }
    expect.assertions(2);
  });
});

describe('slash command text', () => {
  test('Slack escapes become plain words and access subjects', () => {
    expect(unescapeSlackText('access grant <@U123ABC|bob> operator')).toBe('access grant slack:U123ABC operator');
    expect(unescapeSlackText('test <mailto:me@example.com|me@example.com>')).toBe('test me@example.com');
    expect(unescapeSlackText('log --from &lt;&gt; &amp;')).toBe('log --from <> &');
    expect(unescapeSlackText('alerts subscribe <#C0OPS|ops>')).toBe('alerts subscribe C0OPS');
  });

  test('--share is taken out wherever it stands', () => {
    expect(splitShare('queue list --share')).toEqual({ text: 'queue list', shared: true });
    expect(splitShare('--share status')).toEqual({ text: 'status', shared: true });
    expect(splitShare('status')).toEqual({ text: 'status', shared: false });
    expect(splitShare('test a--share@x.test')).toEqual({ text: 'test a--share@x.test', shared: false });
  });
});

describe('log redaction', () => {
  test('typed values of a modal submission never reach the log', () => {
    const lines: string[] = [];
    const log = redactingLogger(capturingLogger(lines));
    const payload = { type: 'view_submission', view: { state: { values: { secret: { value: { type: 'plain_text_input', value: 'hunter2"\\x' } } } } } };
    log.debug('Received a message on the WebSocket:', JSON.stringify(payload));
    log.info(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
    expect(lines.join('\n')).not.toContain('hunter2');
    expect(lines[0]).toContain('[redacted]');
  });

  test('other lines are left alone', () => {
    expect(redactInputs('{"type":"block_actions","value":"token"}')).toBe('{"type":"block_actions","value":"token"}');
  });
});

describe('slack-manifest.yml', () => {
  test('declares /smtp, interactivity, Socket Mode and the bot scopes', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../../../slack-manifest.yml', import.meta.url), 'utf8');
    expect(text).toMatch(/^\s+- command: \/smtp$/m);
    expect(text).toMatch(/should_escape: true/);
    expect(text).toMatch(/interactivity:\n\s+is_enabled: true/);
    expect(text).toMatch(/socket_mode_enabled: true/);
    const scopes = /bot:\n((?:\s+- .+\n)+)/.exec(text)?.[1].match(/- (\S+)/g)?.map((s) => s.slice(2));
    expect(scopes).toEqual(['commands', 'chat:write', 'files:write', 'channels:history', 'groups:history']);
    expect(text).not.toMatch(/\t/);
  });
});
