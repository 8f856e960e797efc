/** The DKIM key as the engine manages it: `dkim keygen` makes and stores one, `dkim show` gives the record that publishes it. */
import type { Clock } from '../facade.js';
import type { Journal } from '../journal.js';
import type { SettingsState } from '../settings/state.js';
import type { Actor, DkimRecord, SettingsPatch } from '../types.js';
import { dkimRecord, generatePrivateKey } from './key.js';
import { planKeygen } from './keygen.js';
import { dkimConfigOf } from './signer.js';

export interface DkimKeysDeps {
  settings: SettingsState;
  journal: Journal;
  clock: Clock;
  /** Applies a settings update as `config set` does, restarts included. */
  update(patch: SettingsPatch, actor: Actor): Promise<unknown>;
}

export class DkimKeys {
  constructor(private readonly d: DkimKeysDeps) {}

  /** A new key pair: the private key, the selector (and the domain when blank) stored in one settings change; the record to publish. */
  async keygen(opts: { selector?: string; bits?: number }, actor: Actor): Promise<DkimRecord> {
    const { settings, journal, clock } = this.d;
    const plan = planKeygen(settings.current, opts ?? {}, clock.now());
    const pem = await generatePrivateKey(plan.bits);
    const patch: SettingsPatch = { 'dkim-private-key': pem, 'dkim-selector': plan.selector };
    if (plan.setDomain) patch['dkim-domain'] = plan.domain;
    await this.d.update(patch, actor);
    const record = dkimRecord(plan.domain, plan.selector, pem);
    await journal.record(journal.event('info', 'dkim.keygen', `DKIM key generated (${plan.bits}-bit RSA, selector ${plan.selector}): publish TXT ${record.name}`, actor, { domain: plan.domain, selector: plan.selector, bits: plan.bits }));
    return record;
  }

  /** The record that publishes the current key, or null when DKIM is not fully configured. */
  record(): DkimRecord | null {
    const cfg = dkimConfigOf(this.d.settings.current, this.d.settings.dkimKey());
    return cfg ? dkimRecord(cfg.domain, cfg.selector, cfg.privateKey) : null;
  }
}
