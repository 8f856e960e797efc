/** Settings as `--json` prints them (`config show`, `config set`, `status`), named as they are typed (`relay-port`). */
import { SETTINGS, type SettingRow, type SettingsView } from '../../engine/index.js';

/** A setting's name in JSON: its key, the name `config set` takes, so a script can feed a value back as it read it. */
const jsonName = (s: SettingRow): string => s.key;

/** Every setting by its name (secrets masked), then the TLS mode and route derived from them. */
export function settingsJson(view: SettingsView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Stored settings first and secrets after them, the order this payload has always had.
  for (const s of [...SETTINGS.filter((r) => !r.secret), ...SETTINGS.filter((r) => r.secret)]) out[jsonName(s)] = view[s.prop];
  out['tls-mode'] = view.tlsMode;
  out.route = view.route;
  return out;
}
