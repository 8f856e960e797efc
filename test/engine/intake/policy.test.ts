/** Pure parts of the intake listener: listen addresses, the sender allow-list, event throttling. */
import { describe, expect, it } from 'vitest';
import { chooseListen, parseListen, isLoopback } from '../../../src/engine/intake/listen-address.js';
import { compileSenderPolicy } from '../../../src/engine/intake/sender-policy.js';
import { EventThrottle } from '../../../src/engine/intake/event-throttle.js';

describe('listen address', () => {
  it('parses IPv4, names and bracketed IPv6', () => {
    expect(parseListen('127.0.0.1:2525')).toEqual({ host: '127.0.0.1', port: 2525 });
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListen('[::1]:2525')).toEqual({ host: '::1', port: 2525 });
  });

  it('names the source and the rule when the value is wrong', () => {
    expect(() => parseListen('::1:2525', 'SMTP_OPS_LISTEN')).toThrow(/SMTP_OPS_LISTEN must be host:port with IPv6 addresses in brackets/);
    expect(() => parseListen('127.0.0.1:70000')).toThrow(/listen port must be a whole number from 0 to 65535/);
    expect(() => parseListen('[example]:25')).toThrow(/must be an IPv6 address/);
  });

  it('prefers the explicit option, then SMTP_OPS_LISTEN, then the setting, then 127.0.0.1:2525', () => {
    expect(chooseListen('127.0.0.2:1', '127.0.0.3:2', '127.0.0.4:3')).toEqual({ host: '127.0.0.2', port: 1 });
    expect(chooseListen(undefined, '127.0.0.3:2', '127.0.0.4:3')).toEqual({ host: '127.0.0.3', port: 2 });
    expect(chooseListen(undefined, '', '127.0.0.4:3')).toEqual({ host: '127.0.0.4', port: 3 });
    expect(chooseListen(undefined, undefined, '')).toEqual({ host: '127.0.0.1', port: 2525 });
  });

  it('knows loopback addresses, IPv4-mapped ones included', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '::ffff:192.168.1.1'].some(isLoopback)).toBe(false);
  });
});

describe('sender allow-list', () => {
  it('allows everyone when blank', () => {
    const p = compileSenderPolicy(' ');
    expect(p.restricted).toBe(false);
    expect(p.allows('')).toBe(true);
  });

  it('matches addresses and exact @domains case-insensitively, never the null sender', () => {
    const p = compileSenderPolicy('Alerts@Example.com, @Ops.Test');
    expect(p.allows('alerts@example.COM')).toBe(true);
    expect(p.allows('anyone@ops.test')).toBe(true);
    expect(p.allows('other@example.com')).toBe(false);
    expect(p.allows('x@sub.ops.test')).toBe(false);
    expect(p.allows('')).toBe(false);
  });
});

describe('event throttle', () => {
  function fakeTimers() {
    const due: { fn: () => void; handle: number }[] = [];
    let n = 0;
    return {
      timers: {
        setTimeout: (fn: () => void) => {
          due.push({ fn, handle: ++n });
          return n;
        },
        clearTimeout: (h: unknown) => {
          const i = due.findIndex((d) => d.handle === h);
          if (i >= 0) due.splice(i, 1);
        },
      },
      /** End the current window. */
      tick: () => due.splice(0).forEach((d) => d.fn()),
    };
  }

  it('writes the first hit at once, one summary per window with the count, and nothing for a quiet window', async () => {
    const t = fakeTimers();
    const th = new EventThrottle(60_000, t.timers);
    const written: string[] = [];
    const emit = (tag: string) => async (count: number, summary: boolean) => written.push(`${tag}:${count}:${summary}`);
    th.hit('a', emit('a1'));
    th.hit('a', emit('a2'));
    th.hit('a', emit('a3'));
    th.hit('b', emit('b1'));
    expect(written).toEqual(['a1:1:false', 'b1:1:false']);
    t.tick();
    expect(written).toEqual(['a1:1:false', 'b1:1:false', 'a3:2:true']);
    th.hit('a', emit('a4'));
    t.tick(); // the window that began with the summary holds a4
    expect(written.at(-1)).toBe('a4:1:true');
    t.tick(); // quiet window: the key is forgotten
    th.hit('a', emit('a5'));
    expect(written.at(-1)).toBe('a5:1:false');
    th.hit('a', emit('a6'));
    await th.flush();
    expect(written.at(-1)).toBe('a6:1:true');
  });

  it('survives a failing event store', async () => {
    const th = new EventThrottle();
    th.hit('x', async () => {
      throw new Error('store closed');
    });
    await expect(th.flush()).resolves.toBeUndefined();
  });
});
