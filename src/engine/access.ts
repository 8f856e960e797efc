/** Access grants: who holds which role, each change recorded with its event. Checking roles is the command layer's job. */
import type { AccessGrant, Actor, Role } from './types.js';
import { ROLES, actorKey } from './types.js';
import { ValidationError } from './errors.js';
import type { Clock } from './facade.js';
import type { Journal } from './journal.js';
import { K, prefixRange, type Store } from './store.js';

const SUBJECT = /^(slack|discord|discord-role):[A-Za-z0-9_.-]{1,64}$/;

export function checkSubject(subject: string): void {
  if (typeof subject !== 'string' || !SUBJECT.test(subject)) {
    throw ValidationError.one('subject', 'format', `subject must be slack:<user id>, discord:<user id> or discord-role:<role id>, e.g. slack:U012ABC (got ${JSON.stringify(String(subject).slice(0, 60))})`);
  }
}

export class Access {
  constructor(
    private readonly store: Store,
    private readonly journal: Journal,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<AccessGrant[]> {
    const out: AccessGrant[] = [];
    for await (const [, v] of this.store.db.iterator(prefixRange('acc!'))) out.push(JSON.parse(v) as AccessGrant);
    return out;
  }

  async grant(subject: string, role: Role, actor: Actor): Promise<AccessGrant> {
    checkSubject(subject);
    if (!ROLES.includes(role)) throw ValidationError.one('role', 'choice', `role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role)})`);
    const g: AccessGrant = { subject, role, grantedBy: actorKey(actor), grantedAt: this.clock.now() };
    const event = this.journal.event('info', 'access.granted', `${subject} is now ${role}`, actor, { subject, role });
    await this.journal.record(event, [{ type: 'put', key: K.access(subject), value: JSON.stringify(g) }], { sync: true });
    return g;
  }

  async revoke(subject: string, actor: Actor): Promise<boolean> {
    checkSubject(subject);
    const key = K.access(subject);
    if ((await this.store.get(key)) === undefined) return false;
    const event = this.journal.event('info', 'access.revoked', `${subject} no longer has a role`, actor, { subject });
    await this.journal.record(event, [{ type: 'del', key }], { sync: true });
    return true;
  }
}
