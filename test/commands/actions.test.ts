import { describe, expect, it } from 'vitest';
import { ActionStore, CONFIRM_TTL_MS, PAGE_TTL_MS } from '../../src/commands/actions.js';

describe('action tokens', () => {
  it('confirmations are bound to the requester, single use for both buttons, and expire after 5 minutes', () => {
    let now = 1_000_000;
    const store = new ActionStore(() => now);
    const { yes, no, expiresAt } = store.confirm('queue flush', 'slack:U1', 'Flush');
    expect(expiresAt).toBe(now + CONFIRM_TTL_MS);
    expect(yes.id).not.toBe(no.id);
    expect(yes.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(store.take(yes.id, 'slack:U2')).toMatchObject({ ok: false, code: 'denied' });
    expect(store.take(no.id, 'slack:U1')).toMatchObject({ ok: true, entry: { kind: 'cancel', text: 'queue flush' } });
    expect(store.take(yes.id, 'slack:U1')).toMatchObject({ ok: false, code: 'expired' });

    const second = store.confirm('queue delete --all', 'slack:U1', 'Delete');
    now += CONFIRM_TTL_MS - 1;
    expect(store.size).toBe(2);
    now += 1;
    expect(store.take(second.yes.id, 'slack:U1')).toMatchObject({ ok: false, code: 'expired' });
    expect(store.size).toBe(0);
  });

  it('paging tokens work for anyone, repeatedly, until they expire', () => {
    let now = 0;
    const store = new ActionStore(() => now);
    const next = store.page('page-next', 'log --cursor abc');
    expect(next).toMatchObject({ kind: 'page-next', label: 'Next' });
    expect(store.take(next.id, 'discord:1')).toMatchObject({ ok: true, entry: { text: 'log --cursor abc' } });
    expect(store.take(next.id, 'slack:U9')).toMatchObject({ ok: true });
    now += PAGE_TTL_MS;
    expect(store.take(next.id, 'slack:U9')).toMatchObject({ ok: false, code: 'expired' });
  });

  it('memory is bounded: the oldest tokens go first', () => {
    const store = new ActionStore(() => 0);
    const first = store.page('page-next', 'log');
    for (let i = 0; i < 10_000; i++) store.page('page-next', `log ${i}`);
    expect(store.size).toBe(10_000);
    expect(store.take(first.id, 'cli:x')).toMatchObject({ ok: false, code: 'expired' });
  });
});
