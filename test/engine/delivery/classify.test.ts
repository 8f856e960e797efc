import { describe, expect, it } from 'vitest';
import type { NodemailerError } from 'nodemailer';
import { classifyError, redactor, resultsFromError, resultsFromInfo } from '../../../src/engine/delivery/classify.js';

const err = (props: Partial<NodemailerError> & { message?: string }): NodemailerError =>
  Object.assign(new Error(props.message ?? 'failed'), props) as NodemailerError;

describe('classifyError', () => {
  it.each([
    [{ code: 'EAUTH', responseCode: 535 }, 'deferred', 'auth'],
    [{ code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, 'deferred', 'tls'],
    [{ code: 'ETLS', message: 'STARTTLS failed' }, 'deferred', 'tls'],
    [{ code: 'ESOCKET', originalCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'deferred', 'connection'],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, 'deferred', 'timeout'],
    [{ code: 'EENVELOPE', responseCode: 550, message: 'Recipient command failed: 550 5.1.1 <tls@x.test>: unknown' }, 'bounced', 'rejected'],
    [{ code: 'EENVELOPE', responseCode: 503, message: 'bad sequence' }, 'deferred', 'rejected'],
    [{ code: 'EMESSAGE', responseCode: 452, message: 'Message failed: 452 4.3.1 full' }, 'deferred', 'rejected'],
    [{ code: 'EENVELOPE', message: 'No recipients defined' }, 'bounced', 'config'],
    [{ code: 'EPROTOCOL', message: 'Invalid greeting' }, 'deferred', 'protocol'],
  ] as const)('%o -> %s/%s', (props, status, failure) => {
    expect(classifyError(err(props as Partial<NodemailerError>))).toMatchObject({ status, failure });
  });
});

describe('results', () => {
  const ctx = { host: 'relay:587', tls: true, redact: redactor('hunter2', 'u@x.test') };

  it('an all-rejected error keeps each recipient\'s own reply', () => {
    const e = err({
      code: 'EENVELOPE',
      responseCode: 450,
      rejectedErrors: [err({ recipient: 'a@x.test', responseCode: 550, response: '550 no' }), err({ recipient: 'b@x.test', responseCode: 450, response: '450 later' })],
    });
    expect(resultsFromError(e, ['a@x.test', 'b@x.test'], ctx).map((r) => [r.to, r.status, r.code, r.response])).toEqual([
      ['a@x.test', 'bounced', 550, '550 no'],
      ['b@x.test', 'deferred', 450, '450 later'],
    ]);
  });

  it('a recipient the server neither accepted nor refused is deferred, not lost', () => {
    const r = resultsFromInfo({ accepted: ['A@x.test'], rejected: [], response: '250 ok' }, ['a@x.test', 'b@x.test'], ctx);
    expect(r.map((x) => [x.to, x.status])).toEqual([
      ['a@x.test', 'sent'],
      ['b@x.test', 'deferred'],
    ]);
  });

  it('redacts the password and its AUTH PLAIN/LOGIN wire forms', () => {
    const plain = Buffer.from('\u0000u@x.test\u0000hunter2').toString('base64');
    const login = Buffer.from('hunter2').toString('base64');
    const r = resultsFromError(err({ code: 'EAUTH', response: `535 bad ${plain} ${login} hunter2` }), ['a@x.test'], ctx);
    expect(r[0].response).toBe('535 bad ******** ******** ********');
  });
});
