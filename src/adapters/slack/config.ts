/** Slack settings from the environment, validated with errors that name the variable and the rule. */
import { ValidationError } from '../../engine/index.js';

/** What `startSlackApp` needs; `startSlack` builds it from the environment. */
export interface SlackConfig {
  /** `xoxb-…` bot token (SLACK_BOT_TOKEN). */
  botToken: string;
  /** Socket Mode when set (`xapp-…`, SLACK_APP_TOKEN). */
  appToken?: string;
  /** HTTP receiver: request signing secret (SLACK_SIGNING_SECRET); required without an app token. */
  signingSecret?: string;
  /** HTTP receiver port (SLACK_PORT, default 3000; 0 = any free port). */
  port: number;
  /** HTTP receiver bind address (SLACK_HOST; default all interfaces). */
  host?: string;
  /** Web API base URL ending in `/` (SLACK_API_URL; default Slack's). */
  apiUrl?: string;
}

export function slackConfigFromEnv(env: NodeJS.ProcessEnv): SlackConfig | null {
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  if (!botToken) return null;
  const appToken = env.SLACK_APP_TOKEN?.trim() || undefined;
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim() || undefined;
  if (!appToken && !signingSecret) {
    throw ValidationError.one('SLACK_SIGNING_SECRET', 'required', 'SLACK_SIGNING_SECRET is required for the HTTP receiver when SLACK_APP_TOKEN (Socket Mode) is not set');
  }
  if (appToken && !appToken.startsWith('xapp-')) {
    throw ValidationError.one('SLACK_APP_TOKEN', 'format', 'SLACK_APP_TOKEN must be an app-level token starting with "xapp-"');
  }
  const rawPort = env.SLACK_PORT?.trim() || '3000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    throw ValidationError.one('SLACK_PORT', 'range', `SLACK_PORT must be a whole number from 0 to 65535 (got "${rawPort}")`);
  }
  let apiUrl = env.SLACK_API_URL?.trim() || undefined;
  if (apiUrl) {
    let parsed: URL;
    try {
      parsed = new URL(apiUrl);
    } catch {
      throw ValidationError.one('SLACK_API_URL', 'url', `SLACK_API_URL must be an http(s) URL such as https://slack.com/api/ (got "${apiUrl}")`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw ValidationError.one('SLACK_API_URL', 'url', `SLACK_API_URL must be an http(s) URL such as https://slack.com/api/ (got "${apiUrl}")`);
    }
    if (!apiUrl.endsWith('/')) apiUrl += '/';
  }
  return { botToken, appToken, signingSecret, port, host: env.SLACK_HOST?.trim() || undefined, apiUrl };
}
