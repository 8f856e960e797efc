/** `config show` and `config set key=value ...` (secrets: prompt privately, never echoed). */
import type { SettingKey, SettingsPatch, SettingsView } from '../../engine/index.js';
import type { ErrorReply, FieldsReply, Reply, SecretPromptReply } from '../reply.js';
import { SETTING_KEYS, closest, isSecretKey, isSettingKey, settingOf } from '../../engine/index.js';
import type { Handler, HandlerEnv } from './context.js';
import { settingsJson } from './settings-json.js';

/** The value of a setting as shown to users (secrets arrive masked from the engine). */
export function shownValue(view: SettingsView, key: SettingKey): string {
  const v = view[settingOf(key).prop];
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (v === null || v === undefined || v === '') return '(not set)';
  return String(v);
}

function settingsFields(view: SettingsView, keys: readonly SettingKey[]): FieldsReply['fields'] {
  return keys.map((k) => ({ label: k, value: shownValue(view, k), inline: true }));
}

export const configShow: Handler = async (_cmd, { engine }) => {
  const view = await engine.getSettings();
  const reply: FieldsReply = {
    kind: 'fields',
    title: 'SMTP settings',
    fields: settingsFields(view, SETTING_KEYS),
    footer: `Delivery: ${view.route}, TLS ${view.tlsMode}. Change with \`config set key=value\`.`,
    data: { settings: settingsJson(view) },
  };
  return reply;
};

function invalid(field: string, rule: string, message: string): ErrorReply {
  return { kind: 'error', code: 'validation', ok: false, message, issues: [{ field, rule, message }], usage: 'config set <key=value...>' };
}

/** The prompt for a secret setting. */
export function secretPrompt(field: SettingKey): SecretPromptReply {
  const text =
    field === 'dkim-private-key'
      ? 'Paste the PEM private key (line breaks may become spaces), or give the absolute path of a PEM file on the smtp-ops host; it is stored encrypted and never shown. In a shell: `smtp-ops config set dkim-private-key --password-stdin < key.pem`. No key yet? `dkim keygen` makes one.'
      : `Type the ${field} privately; it is stored encrypted and never shown.`;
  return { kind: 'secret-prompt', field, title: `Set ${field}`, text, data: { prompt: field } };
}

/** A secret setting whose value may instead be a path on the smtp-ops host: a path is not the secret. */
function isKeyPath(key: SettingKey, value: string): boolean {
  return key === 'dkim-private-key' && /^\/[^\s]*$/.test(value) && !value.includes('-----');
}

export const configSet: Handler = async (cmd, env) => {
  const words = (cmd.args.assignments as string[] | undefined) ?? [];
  const patch: SettingsPatch = {};
  const bareSecrets: SettingKey[] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    const rawKey = (eq < 0 ? w : w.slice(0, eq)).trim().toLowerCase();
    if (!isSettingKey(rawKey)) {
      const hit = closest(rawKey, SETTING_KEYS);
      const r = invalid(rawKey || '(empty)', 'unknown-setting', `"${rawKey.slice(0, 40)}" is not a setting${hit ? `; did you mean ${hit}?` : ''} (see \`config show\`)`);
      if (hit) r.suggestion = `did you mean \`${hit}\`?`;
      return r;
    }
    const key = rawKey;
    if (key in patch || bareSecrets.includes(key)) return invalid(key, 'duplicate', `${key} is given more than once`);
    if (eq < 0) {
      if (isSecretKey(key)) {
        bareSecrets.push(key);
        continue;
      }
      return invalid(key, 'required', `${key} needs a value: ${key}=VALUE`);
    }
    const value = w.slice(eq + 1);
    if (isSecretKey(key) && value !== '' && env.ctx.surface === 'chat' && !isKeyPath(key, value)) {
      // The value is already in the channel history; we refuse to store or repeat it, and say so (field only) in the events.
      const where = env.ctx.channel ? ` in ${env.ctx.channel.platform} channel ${env.ctx.channel.channel}` : ' in a chat channel';
      await env.engine.recordEvent('warning', 'config.secret-inline', `${key} was typed inline${where} and refused; consider changing that password`, env.ctx.actor, { field: key, ...(env.ctx.channel ? { channel: env.ctx.channel.channel } : {}) }).catch(() => undefined);
      return invalid(key, 'secret-inline', `${key} must not be typed in a channel: nothing was changed. Run \`config set ${key}\` without a value to enter it privately, and change this password if others could read the message.`);
    }
    patch[key] = value;
  }
  if (bareSecrets.length) {
    if (bareSecrets.length > 1 || Object.keys(patch).length) return invalid(bareSecrets[0], 'alone', `config set ${bareSecrets[0]} (asking for the value privately) must be used on its own`);
    return secretPrompt(bareSecrets[0]);
  }
  const view = await env.engine.updateSettings(patch, env.ctx.actor);
  return updated(view, Object.keys(patch) as SettingKey[]);
};

/** The reply after settings changed: the changed keys with their new (masked) values. */
export function updated(view: SettingsView, keys: SettingKey[]): Reply {
  const reply: FieldsReply = {
    kind: 'fields',
    title: `Settings updated (${keys.length})`,
    fields: settingsFields(view, keys),
    footer: `Delivery: ${view.route}, TLS ${view.tlsMode}.${view.enabled ? '' : ' SMTP is disabled: `config set enabled=on` to send.'}`,
    data: { changed: keys, settings: settingsJson(view) },
  };
  return reply;
}

/** Apply a secret typed privately (Runner.secret). */
export async function applySecret(field: SettingKey, value: string, env: Pick<HandlerEnv, 'engine' | 'ctx'>): Promise<Reply> {
  const view = await env.engine.updateSettings({ [field]: value }, env.ctx.actor);
  return updated(view, [field]);
}
