/**
 * Where a failure happened, as delivery reports it: a real nodemailer pool against an
 * smtp-server peer on loopback that answers 421 at the greeting, 451 to RCPT or after DATA,
 * never greets, or is not there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NodemailerError } from 'nodemailer';
import { createDeliverer } from '../../../src/engine/delivery/index.js';
import { stageOf } from '../../../src/engine/delivery/classify.js';
import type { Deliverer, DeliveryConfig, DnsResolver } from '../../../src/engine/types.js';
import { startPeer, startSilentServer, type PeerOptions } from './smtp-peer.js';
import { freePort } from '../../peers/peers.js';

const noDns: DnsResolver = {
  resolveMx: () => Promise.reject(new Error('no DNS in relay mode')),
  resolve4: () => Promise.reject(new Error('no DNS in relay mode')),
  resolve6: () => Promise.reject(new Error('no DNS in relay mode')),
};

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function config(port: number): DeliveryConfig {
  return { hostname: 'alerts.smtp-ops.test', relayHost: '127.0.0.1', relayPort: port, tlsMode: 'none', tlsVerify: true, directPort: 25, timeoutMs: 1_500 };
}

async function attempt(port: number) {
  const d: Deliverer = createDeliverer(config(port), noDns);
  cleanup.push(() => d.close());
  const raw = Buffer.from('From: a@smtp-ops.test\r\nTo: b@example.test\r\nSubject: s\r\n\r\nbody\r\n');
  return (await d.deliver({ id: 'x', from: 'a@smtp-ops.test', to: ['b@example.test'], raw }))[0];
}

async function peer(o: PeerOptions) {
  const p = await startPeer(o);
  cleanup.push(() => p.close());
  return p.port;
}

describe('delivery results name the SMTP stage', () => {
  it('421 at the greeting: deferred at greeting with the reply', async () => {
    const r = await attempt(await peer({ connectReply: () => '421 4.3.2 Service shutting down' }));
    expect(r).toMatchObject({ status: 'deferred', stage: 'greeting', code: 421 });
    expect(r.response).toContain('4.3.2');
  });

  it('451 to RCPT TO: deferred at rcpt', async () => {
    const r = await attempt(await peer({ rcptReply: () => '451 4.3.0 Temporary lookup failure' }));
    expect(r).toMatchObject({ status: 'deferred', stage: 'rcpt', code: 451, failure: 'rejected' });
  });

  it('451 after DATA: deferred at data', async () => {
    const r = await attempt(await peer({ dataReply: () => '451 4.3.0 Queue file write error' }));
    expect(r).toMatchObject({ status: 'deferred', stage: 'data', code: 451 });
  });

  it('550 to RCPT TO: bounced at rcpt', async () => {
    const r = await attempt(await peer({ rcptReply: () => '550 5.1.1 No such user' }));
    expect(r).toMatchObject({ status: 'bounced', stage: 'rcpt', code: 550 });
  });

  it('no greeting: a timeout at the greeting', async () => {
    const silent = await startSilentServer();
    cleanup.push(() => silent.close());
    const r = await attempt(silent.port);
    expect(r).toMatchObject({ status: 'deferred', failure: 'timeout', stage: 'greeting' });
  });

  it('nobody listening: connect', async () => {
    const r = await attempt(await freePort());
    expect(r).toMatchObject({ status: 'deferred', failure: 'connection', stage: 'connect' });
  });
});

describe('stageOf', () => {
  const err = (p: Partial<NodemailerError> & { timeoutType?: string }) => Object.assign(new Error('x'), p) as NodemailerError;
  it.each([
    [{ command: 'EHLO', responseCode: 421 }, 'ehlo'],
    [{ command: 'STARTTLS', code: 'ETLS' }, 'tls'],
    [{ command: 'AUTH PLAIN', code: 'EAUTH', responseCode: 535 }, 'auth'],
    [{ command: 'MAIL FROM', responseCode: 452 }, 'mail'],
    [{ command: 'CONN', code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' }, 'timeout'],
    [{ command: 'CONN', code: 'ETIMEDOUT', timeoutType: 'CONNECT_TIMEOUT' }, 'connect'],
    [{ command: 'CONN', code: 'ETIMEDOUT', timeoutType: 'UPGRADE_TIMEOUT' }, 'tls'],
    [{ command: 'API', code: 'EENVELOPE' }, 'local'],
    [{ code: 'EDNS' }, 'dns'],
    [{ code: 'ESMTPUTF8' }, 'mail'],
    [{ command: 'MAIL FROM', code: 'EMESSAGE', message: 'Message size larger than allowed 1000' }, 'mail'],
  ] as const)('%o -> %s', (p, stage) => {
    expect(stageOf(err(p as Partial<NodemailerError>))).toBe(stage);
  });
});
