/** Discord settings from the environment, checked with errors that name the variable and the rule. */

/** What the adapter needs to connect. */
export interface DiscordConfig {
  token: string;
  applicationId: string;
  /** Register guild commands here (instant); absent = global commands. */
  guildId?: string;
  /** REST base such as `http://127.0.0.1:8080/api` (discord.js adds `/v10`); absent = Discord's. */
  apiUrl?: string;
}

/** A missing or malformed Discord environment variable. */
export class DiscordConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable} ${message}`);
    this.name = 'DiscordConfigError';
    this.variable = variable;
  }
}

const SNOWFLAKE = /^\d{17,20}$/;

/**
 * Read DISCORD_TOKEN, DISCORD_APPLICATION_ID, DISCORD_GUILD_ID, DISCORD_API_URL.
 * Returns null when DISCORD_TOKEN is unset or blank (Discord not configured).
 */
export function discordConfigFromEnv(env: NodeJS.ProcessEnv): DiscordConfig | null {
  const token = env.DISCORD_TOKEN?.trim();
  if (!token) return null;
  const applicationId = env.DISCORD_APPLICATION_ID?.trim();
  if (!applicationId) throw new DiscordConfigError('DISCORD_APPLICATION_ID', 'is required when DISCORD_TOKEN is set (Developer Portal > General Information > Application ID)');
  if (!SNOWFLAKE.test(applicationId)) throw new DiscordConfigError('DISCORD_APPLICATION_ID', `must be a Discord id of 17 to 20 digits (got "${applicationId}")`);
  const guildId = env.DISCORD_GUILD_ID?.trim() || undefined;
  if (guildId && !SNOWFLAKE.test(guildId)) throw new DiscordConfigError('DISCORD_GUILD_ID', `must be a Discord id of 17 to 20 digits (got "${guildId}")`);
  let apiUrl = env.DISCORD_API_URL?.trim() || undefined;
  if (apiUrl) {
    let u: URL;
    try {
      u = new URL(apiUrl);
    } catch {
      throw new DiscordConfigError('DISCORD_API_URL', `must be an http(s) URL such as https://discord.com/api (got "${apiUrl}")`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DiscordConfigError('DISCORD_API_URL', `must be an http(s) URL (got "${apiUrl}")`);
    // discord.js appends the version itself; accept a base that already names it.
    apiUrl = apiUrl.replace(/\/+$/, '').replace(/\/v\d+$/, '');
  }
  return { token, applicationId, guildId, apiUrl };
}
