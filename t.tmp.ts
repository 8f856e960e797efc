import { DkimSigner } from './src/engine/dkim/signer.js';
import { compose } from './src/engine/compose.js';
import { readFileSync } from 'node:fs';
const raw = await compose({ fromName: 'A', fromAddress: 'a@dkim.doctor.test', to: ['c@d.example'], subject: 's', text: 'hello', messageId: '<x@y>', date: new Date() });
for (const key of ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', readFileSync('test/engine/dkim/fixtures/sel1.pem','utf8')]) {
  const s = new DkimSigner({ domain: 'dkim.doctor.test', selector: 'sel1', privateKey: key });
  const t = Date.now();
  try { const r = await s.sign(raw); console.log('signed', r?.length, Date.now() - t); } catch (e) { console.log('err', (e as Error).message, Date.now() - t); }
}
