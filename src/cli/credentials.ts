/**
 * Secrets from systemd credentials: with `LoadCredential=NAME:/path` in the
 * unit, systemd puts the file at `$CREDENTIALS_DIRECTORY/NAME` (readable by the
 * service alone, never in the environment of other processes). Each secret
 * variable below that is not set in the environment is read from the
 * credential of the same name.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The variables that carry secrets. */
export const SECRET_VARIABLES = ['SMTP_OPS_SECRET_KEY', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'DISCORD_TOKEN'] as const;

/** Fill unset secret variables from `$CREDENTIALS_DIRECTORY`; returns the names loaded. A variable already set wins. */
export function loadCredentials(env: NodeJS.ProcessEnv): string[] {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir) return [];
  const loaded: string[] = [];
  for (const name of SECRET_VARIABLES) {
    if (env[name]) continue;
    let value: string;
    try {
      value = readFileSync(path.join(dir, name), 'utf8');
    } catch {
      continue;
    }
    // A file written with echo ends in a newline that is not part of the secret.
    env[name] = value.replace(/\r?\n$/, '');
    loaded.push(name);
  }
  return loaded;
}
