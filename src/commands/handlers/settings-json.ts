/** Settings as `--json` prints them (`config show`, `config set`, `status`), named from the settings table. */
import { SETTINGS, type SettingRow, type SettingsView } from '../../engine/index.js';

/** A setting's name in JSON: its property (`relayPort`); `s.key` would print the typed name (`relay-port`). */
const jsonName = (s: SettingRow): string => s.prop;

/** Every setting by its JSON name (secrets masked), then the TLS mode and route derived from them. */
export function settingsJson(view: SettingsView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Stored settings first and secrets after them, the order this payload has always had.
  for (const s of [...SETTINGS.filter((r) => !r.secret), ...SETTINGS.filter((r) => r.secret)]) out[jsonName(s)] = view[s.prop];
  out.tlsMode = view.tlsMode;
  out.route = view.route;
  return out;
}
