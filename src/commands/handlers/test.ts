/** `test <address> [--wait]`: queue a test message, then report its first delivery attempt. */
import type { AttemptOutcome, Engine } from '../../engine/index.js';
import type { MessageReply, Reply } from '../reply.js';
import type { Handler } from './context.js';

/** How long to wait for the first attempt before saying so. */
export const TEST_WAIT_MS = 120_000;

/** The reply describing the first attempt of a test message. */
export function outcomeReply(address: string, o: AttemptOutcome): MessageReply {
  const r = o.results[0];
  const where = r?.host ? ` via ${r.host}${r.tls ? ' (TLS)' : ''}` : '';
  const data = { id: o.id, status: o.status, queued: o.queued, results: o.results };
  if (o.status === 'sent') return { kind: 'message', tone: 'success', title: 'Test message sent', text: `Test message ${o.id} to ${address} was accepted${where}: ${r?.response ?? 'OK'}`, data };
  if (o.status === 'deferred') {
    return {
      kind: 'message',
      tone: 'warning',
      title: 'Test message deferred',
      text: `Test message ${o.id} to ${address} was deferred${where}: ${r?.response ?? 'temporary failure'}. It stays queued and will be retried (\`queue show ${o.id}\`).`,
      ok: false,
      data,
    };
  }
  return { kind: 'message', tone: 'error', title: 'Test message bounced', text: `Test message ${o.id} to ${address} bounced${where}: ${r?.response ?? 'permanent failure'}`, ok: false, data };
}

async function waitOutcome(engine: Engine, id: string, address: string): Promise<Reply> {
  try {
    return outcomeReply(address, await engine.waitForAttempt(id, TEST_WAIT_MS));
  } catch (e) {
    const code = (e as { code?: string }).code;
    const text = code === 'E_TIMEOUT'
      ? `No delivery attempt of test message ${id} within ${TEST_WAIT_MS / 1000} s; it is still queued (is SMTP enabled? \`status\`, \`queue show ${id}\`).`
      : `Could not follow test message ${id}: ${(e as Error).message}`;
    return { kind: 'message', tone: 'warning', title: 'Test message pending', text, ok: false, data: { id, status: 'pending' } };
  }
}

export const test: Handler = async (cmd, env) => {
  const address = String(cmd.args.address);
  const { id, messageId } = await env.engine.sendTest(address, env.ctx.actor);
  if (!(await env.engine.getSettings()).enabled) {
    // No attempt will happen: waiting or promising a follow-up would only hang.
    return {
      kind: 'message',
      tone: 'warning',
      title: 'Test message queued, SMTP disabled',
      text: `Test message ${id} to ${address} is queued, but SMTP is disabled: nothing is sent until \`config set enabled=on\`.`,
      ok: cmd.options.wait !== true,
      data: { id, messageId, status: 'queued', enabled: false },
    };
  }
  if (cmd.options.wait === true) return waitOutcome(env.engine, id, address);
  const followUp = env.ctx.followUp;
  if (followUp) {
    void waitOutcome(env.engine, id, address).then((r) => {
      try {
        followUp(r);
      } catch {
        // The adapter's channel is gone; the outcome is still in the mail log.
      }
    });
  }
  return {
    kind: 'message',
    tone: 'info',
    title: 'Test message on its way',
    text: `Test message ${id} to ${address} is queued.${followUp ? ' The outcome of the first attempt follows here.' : ` Follow it with \`queue show ${id}\` or \`log --to ${address}\`.`}`,
    data: { id, messageId, status: 'queued' },
  };
};
