/**
 * The settings the engine runs with: the stored settings, the secrets
 * (decrypted once, held in memory) and the CA read from `tls-ca`. An update
 * is validated whole, then written in one batch with its events.
 */
import type { Actor, DeliveryConfig, EventEntry, SettingsPatch, SettingsView } from '../types.js';
import type { Journal } from '../journal.js';
import { safeEqual, type SecretBox, type Sealed } from '../secrets.js';
import { K, type Op, type Store } from '../store.js';
import { deliveryConfig, viewOf } from './derived.js';
import { applyUpdate } from './patch.js';
import { readCa } from './pem-files.js';
import { SECRET_KEYS, defaultSettings, isSecretKey, type SecretKey, type SettingKey, type Settings } from './table.js';

export class SettingsState {
  private constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly journal: Journal,
    private settings: Settings,
    private readonly secrets: Map<SecretKey, string>,
    private tlsCaPem: string | undefined,
  ) {}

  /** Stored settings over the defaults, the secrets decrypted, and the CA read. */
  static async load(store: Store, box: SecretBox, journal: Journal): Promise<SettingsState> {
    const settings = { ...defaultSettings(), ...((await store.getJson<Partial<Settings>>(K.settings)) ?? {}) };
    const secrets = new Map<SecretKey, string>();
    for (const k of SECRET_KEYS) {
      const sealed = await store.getJson<Sealed>(K.secret(k));
      if (sealed) secrets.set(k, box.open(sealed));
    }
    // A CA file that vanished must not keep the engine from starting; delivery and the doctor report it.
    const tlsCaPem = await readCa(settings.tlsCa).catch(() => undefined);
    return new SettingsState(store, box, journal, settings, secrets, tlsCaPem);
  }

  /** The settings in force (no secrets). */
  get current(): Settings {
    return this.settings;
  }

  /** What callers see: secrets masked, TLS mode and route derived. */
  view(): SettingsView {
    return viewOf(this.settings, (k) => this.secrets.has(k));
  }

  /** How delivery connects now. */
  deliveryConfig(directPort: number): DeliveryConfig {
    return deliveryConfig(this.settings, this.secrets.get('sasl-password'), directPort, this.tlsCaPem);
  }

  /** The DKIM private key (PEM) when one is set: for the signer, the doctor and `dkim show`; never returned to callers. */
  dkimKey(): string | undefined {
    return this.secrets.get('dkim-private-key');
  }

  /** Constant-time check of intake AUTH against intake-username and the sealed intake-password. */
  checkIntakeCredentials(user: string, pass: string): boolean {
    const stored = this.secrets.get('intake-password');
    const okUser = safeEqual(user, this.settings.intakeUsername);
    const okPass = stored !== undefined && safeEqual(pass, stored);
    return okUser && okPass;
  }

  /** Validate and store an update with its `config.changed` and `config.warning` events; returns what changed. */
  async update(patch: SettingsPatch, actor: Actor): Promise<SettingKey[]> {
    const u = applyUpdate(this.settings, patch, (k) => this.secrets.has(k));
    const tlsCaPem = await readCa(u.settings.tlsCa);
    const ops: Op[] = [{ type: 'put', key: K.settings, value: JSON.stringify(u.settings) }];
    for (const [k, v] of Object.entries(u.secrets)) ops.push({ type: 'put', key: K.secret(k), value: JSON.stringify(this.box.seal(v)) });
    for (const k of u.cleared) ops.push({ type: 'del', key: K.secret(k) });
    const events: EventEntry[] = [];
    if (u.changed.length > 0) {
      const shown = u.changed.map((k) => (isSecretKey(k) ? `${k} (${u.cleared.includes(k) ? 'cleared' : 'changed'})` : k));
      events.push(this.journal.event('info', 'config.changed', `settings changed: ${shown.join(', ')}`, actor, { fields: u.changed }));
    }
    for (const w of u.warnings) events.push(this.journal.event('warning', 'config.warning', w, actor));
    await this.journal.commit({ ops, events, sync: true });
    this.settings = u.settings;
    for (const [k, v] of Object.entries(u.secrets)) this.secrets.set(k as SecretKey, v);
    for (const k of u.cleared) this.secrets.delete(k);
    this.tlsCaPem = tlsCaPem;
    return u.changed;
  }
}
